import { createHash } from 'node:crypto';
import type { Timestamper } from '../ltv/tsp/Timestamper';
import { OID } from './constants';
import { children, oid, readTlv, seq, setOf, slice, tlv, type Tlv } from './der';

/**
 * The elements from the ContentInfo down to the one SignerInfo of our CMS
 * (src/sign/buildCmsSignedData.ts): ContentInfo { id-signedData, [0] SignedData { …,
 * signerInfos SET { SignerInfo } } } (RFC 5652 §3, §5.1). Reads the first DER value, so
 * the padded /Contents of a PDF works too.
 */
function locate(cms: Buffer): { path: Tlv[]; si: Tlv[] } {
  const ci = readTlv(cms, 0);
  const [ct, explicit] = children(cms, ci);
  if (ci.tag !== 0x30 || !ct || !slice(cms, ct).equals(oid(OID.signedData)) || explicit?.tag !== 0xa0) throw new Error('not a CMS SignedData');
  const sd = children(cms, explicit)[0];
  if (sd?.tag !== 0x30) throw new Error('not a CMS SignedData');
  const sdParts = children(cms, sd);
  const infos = sdParts[sdParts.length - 1];
  if (infos?.tag !== 0x31) throw new Error('signerInfos expected');
  const list = children(cms, infos);
  if (list.length !== 1 || list[0].tag !== 0x30) throw new Error('exactly one SignerInfo expected');
  return { path: [ci, explicit, sd, infos, list[0]], si: children(cms, list[0]) };
}

/** SignerInfo { version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs? } (RFC 5652 §5.3): the signature OCTET STRING. */
function signatureTlv(si: Tlv[]): Tlv {
  const i = si.findIndex((t) => t.tag === 0xa0);
  const sig = si[i + 2];
  if (i < 0 || sig?.tag !== 0x04) throw new Error('SignerInfo signature expected');
  return sig;
}

/** The SignerInfo's signature value (the content of its OCTET STRING): what a signature timestamp stamps. */
export function signatureValueOf(cms: Buffer): Buffer {
  const { si } = locate(cms);
  const sig = signatureTlv(si);
  return cms.subarray(sig.contentStart, sig.end);
}

/** The id-aa-signatureTimeStampToken value (a TimeStampToken, DER) among the unsigned attributes, if any. */
export function signatureTimestampOf(cms: Buffer): Buffer | undefined {
  const { si } = locate(cms);
  const unsigned = si.find((t) => t.tag === 0xa1);
  if (!unsigned) return undefined;
  for (const a of children(cms, unsigned)) {
    const [type, values] = children(cms, a);
    if (type && values && slice(cms, type).equals(oid(OID.signatureTimeStampToken))) return Buffer.from(slice(cms, children(cms, values)[0]));
  }
  return undefined;
}

/**
 * PAdES B-T (ETSI EN 319 142-1 §5.3): the TimeStampToken over SHA-256 of the SignerInfo's
 * signature value, added as the unsigned attribute id-aa-signatureTimeStampToken
 * (1.2.840.113549.1.9.16.2.14, RFC 3161 Appendix A) of our CMS
 * (src/sign/buildCmsSignedData.ts output). The signed part is untouched: the SignerInfo
 * gains `[1] unsignedAttrs { Attribute { id-aa-signatureTimeStampToken, { token } } }` and
 * the lengths of its enclosing elements are written again. The Timestamper checks the token
 * before it is returned (src/ltv/tsp/checkTimeStampResponse.ts); its failure propagates
 * (ERR_TSA_UNAVAILABLE) and nothing is written.
 */
export async function addSignatureTimestamp(cms: Buffer, ts: Timestamper): Promise<Buffer> {
  const { si } = locate(cms);
  if (si.some((t) => t.tag === 0xa1)) throw new Error('the SignerInfo already has unsigned attributes');
  const sig = signatureTlv(si);
  if (si[si.length - 1] !== sig) throw new Error('unexpected element after the SignerInfo signature');
  const token = await ts.timestamp(createHash('sha256').update(cms.subarray(sig.contentStart, sig.end)).digest());
  return withUnsignedAttributes(cms, [seq(oid(OID.signatureTimeStampToken), setOf(token))]);
}

/**
 * The CMS with the SignerInfo's unsigned attributes replaced by `attributes` (each a DER
 * Attribute, written as given in a `[1] IMPLICIT SET OF Attribute`), the lengths of the
 * enclosing elements written again. Used by addSignatureTimestamp; tests build other shapes with it.
 */
export function withUnsignedAttributes(cms: Buffer, attributes: Buffer[]): Buffer {
  const { path, si } = locate(cms);
  const kept = si.filter((t) => t.tag !== 0xa1);
  let inner: Buffer = tlv(0x30, Buffer.concat([...kept.map((t) => slice(cms, t)), tlv(0xa1, Buffer.concat(attributes))]));
  let innerTlv = path[4];
  for (let k = 3; k >= 0; k--) {
    const t = path[k];
    inner = tlv(t.tag, Buffer.concat([cms.subarray(t.contentStart, innerTlv.start), inner, cms.subarray(innerTlv.end, t.end)]));
    innerTlv = t;
  }
  return inner;
}
