import { createHash } from 'node:crypto';
import { OID } from './constants';
import { children, ctx, int, nullValue, octets, oid, readTlv, seq, setOf, slice } from './der';
import type { Signer } from './Signer';

/**
 * CMS SignedData for a PAdES baseline B-B signature (ETSI EN 319 142-1 §5.1, SubFilter
 * ETSI.CAdES.detached; RFC 5652): detached (no eContent), SHA-256, one SignerInfo with the
 * signed attributes content-type, message-digest and signing-certificate-v2 (RFC 5035).
 * No signing-time attribute: ETSI EN 319 142-1 §5.2.1 puts the time in the signature
 * dictionary's /M.
 *
 * Everything that depends only on the signer is encoded once and cached.
 */
interface SignerParts {
  certificates: Buffer;
  sid: Buffer;
  signingCertificateV2: Buffer;
  signatureAlgorithm: Buffer;
}

const cache = new WeakMap<Signer, SignerParts>();
const DIGEST_ALGORITHM = seq(oid(OID.sha256));
const CONTENT_TYPE_ATTR = seq(oid(OID.contentType), setOf(oid(OID.data)));

function partsOf(signer: Signer): SignerParts {
  let p = cache.get(signer);
  if (!p) {
    const cert = signer.certificate;
    // Certificate { tbsCertificate { [0] version, serialNumber, signature, issuer, … } }
    const tbs = readTlv(cert, readTlv(cert, 0).contentStart);
    const f = children(cert, tbs);
    const [serial, issuer] = f[0].tag === 0xa0 ? [f[1], f[3]] : [f[0], f[2]];
    const issuerAndSerial = seq(slice(cert, issuer), slice(cert, serial));
    // ESSCertIDv2 { certHash, issuerSerial { issuer GeneralNames { [4] directoryName }, serialNumber } }, SHA-256 default
    const essCertId = seq(octets(createHash('sha256').update(cert).digest()), seq(seq(ctx(4, slice(cert, issuer))), slice(cert, serial)));
    p = {
      certificates: Buffer.concat([cert, ...signer.chain]),
      sid: issuerAndSerial,
      signingCertificateV2: seq(oid(OID.signingCertificateV2), setOf(seq(seq(essCertId)))),
      signatureAlgorithm: signer.keyType === 'rsa' ? seq(oid(OID.rsaEncryption), nullValue()) : seq(oid(OID.ecdsaWithSHA256)),
    };
    cache.set(signer, p);
  }
  return p;
}

function signedAttributes(p: SignerParts, contentDigest: Buffer): Buffer {
  return setOf(CONTENT_TYPE_ATTR, seq(oid(OID.messageDigest), setOf(octets(contentDigest))), p.signingCertificateV2);
}

function assemble(p: SignerParts, attrs: Buffer, signature: Buffer): Buffer {
  const signerInfo = seq(
    int(1),
    p.sid,
    DIGEST_ALGORITHM,
    Buffer.concat([Buffer.from([0xa0]), attrs.subarray(1)]), // [0] IMPLICIT SET OF Attribute
    p.signatureAlgorithm,
    octets(signature),
  );
  const signedData = seq(int(1), setOf(DIGEST_ALGORITHM), seq(oid(OID.data)), ctx(0, p.certificates), setOf(signerInfo));
  return seq(oid(OID.signedData), ctx(0, signedData));
}

export async function buildCmsSignedData(args: { contentDigest: Buffer; signer: Signer }): Promise<Buffer> {
  const p = partsOf(args.signer);
  const attrs = signedAttributes(p, args.contentDigest);
  const signature = await args.signer.sign(attrs); // RFC 5652 §5.4: over the DER SET OF
  return assemble(p, attrs, signature);
}

/** Zero bytes always left after the DER value, so the padding rule of the verifier has something to guard. */
const MIN_PADDING = 8;

/**
 * Room for a signature timestamp (PAdES B-T, src/sign/addSignatureTimestamp.ts) beyond the
 * token itself (Timestamper.tokenReserve): its unsigned-attribute wrapping ([1] SET { SEQUENCE
 * { OID, SET { token } } }, ~25 bytes) and longer lengths of the enclosing elements.
 */
export const SIGNATURE_TIMESTAMP_WRAPPING = 48;

/**
 * The largest DER this signer's CMS can have plus a little padding: the PDF placeholder size.
 * `timestampReserve`: bytes kept for a signature timestamp added after signing (B-T: the
 * TSA's Timestamper.tokenReserve plus SIGNATURE_TIMESTAMP_WRAPPING).
 */
export function cmsPlaceholderSize(signer: Signer, opts: { timestampReserve?: number } = {}): number {
  const p = partsOf(signer);
  return assemble(p, signedAttributes(p, Buffer.alloc(32)), Buffer.alloc(signer.maxSignatureLength, 0xff)).length + MIN_PADDING + (opts.timestampReserve ?? 0);
}
