import { createHash } from 'node:crypto';
import type { PreparedPdf } from '../render/renderCertificate';
import type { Signer } from './Signer';
import { buildCmsSignedData } from './buildCmsSignedData';
import { addSignatureTimestamp } from './addSignatureTimestamp';
import type { Timestamper } from '../ltv/tsp/Timestamper';
import { tsaFailure } from '../ltv/tsp/checkTimeStampResponse';

/**
 * Fill the prepared signature in place: /ByteRange = [0, a, b, c] with a the offset of the
 * `<` of /Contents, b the offset after its `>`, b + c the file length (ISO 32000-1
 * §12.8.1), then the CMS SignedData over those two ranges as hex, zero-padded. With a
 * timestamper, the signature timestamp of PAdES B-T is added to the CMS first (a TSA that
 * fails throws ERR_TSA_UNAVAILABLE: no document without its timestamp). Answers the file and
 * its SHA-256.
 */
export async function signPreparedPdf(prepared: PreparedPdf, signer: Signer, timestamper?: Timestamper): Promise<{ pdf: Buffer; sha256: string }> {
  const { bytes, contentsStart: a, contentsEnd: b, byteRangeAt, byteRangeWidth } = prepared;
  const c = bytes.length - b;
  const slots = [a, b, c].map((n) => {
    const s = String(n);
    if (s.length > byteRangeWidth) throw new RangeError('file too large for the ByteRange placeholder');
    return s.padEnd(byteRangeWidth, ' ');
  });
  bytes.write(slots.join(' '), byteRangeAt, 'latin1');

  // the document's SHA-256 continues from the same prefix (most of the file: renderCertificate.ts
  // writes the signature dictionary last) once /Contents is filled
  const prefix = createHash('sha256').update(bytes.subarray(0, a));
  const whole = prefix.copy();
  const digest = prefix.update(bytes.subarray(b)).digest();
  const signed = await buildCmsSignedData({ contentDigest: digest, signer });
  const cms = timestamper ? await addSignatureTimestamp(signed, timestamper) : signed;
  const room = (b - a - 2) / 2;
  if (cms.length > room) {
    // the signature alone fits (cmsPlaceholderSize): it is the TSA's token that outgrew its reserve (Timestamper.tokenReserve)
    if (timestamper && signed.length <= room) throw tsaFailure('SIZE', `a time-stamp token of ${cms.length - signed.length} bytes does not fit the room kept for it; retry`);
    throw new RangeError(`CMS of ${cms.length} bytes does not fit the ${room}-byte placeholder`);
  }
  bytes.write(cms.toString('hex'), a + 1, 'latin1');
  return { pdf: bytes, sha256: whole.update(bytes.subarray(a)).digest('hex') };
}
