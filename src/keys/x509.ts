import { createHash, sign, type KeyObject } from 'node:crypto';
import { OID, KEY_USAGE } from '../sign/constants';
import { bitString, bool, children, ctx, int, nullValue, octets, oid, printable, readTlv, seq, setOf, time, tlv, utf8 } from '../sign/der';

export interface NameSpec {
  cn: string;
  o?: string;
  ou?: string;
  c?: string;
}

/** RFC 5280 §4.1.2.4 Name: C, O, OU, CN, each its own RDN. */
export function encodeName(n: NameSpec): Buffer {
  const rdn = (type: string, value: Buffer) => setOf(seq(oid(type), value));
  return seq(
    ...(n.c ? [rdn(OID.countryName, printable(n.c))] : []),
    ...(n.o ? [rdn(OID.organizationName, utf8(n.o))] : []),
    ...(n.ou ? [rdn(OID.organizationalUnitName, utf8(n.ou))] : []),
    rdn(OID.commonName, utf8(n.cn)),
  );
}

/** Signature AlgorithmIdentifier for a signing key: sha256WithRSAEncryption (NULL params) or ecdsa-with-SHA256 (no params). */
export function signatureAlgorithm(key: KeyObject): Buffer {
  return key.asymmetricKeyType === 'rsa' ? seq(oid(OID.sha256WithRSAEncryption), nullValue()) : seq(oid(OID.ecdsaWithSHA256));
}

/** SubjectKeyIdentifier method 1 of RFC 5280 §4.2.1.2: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const [, bits] = children(spki, readTlv(spki, 0)); // SubjectPublicKeyInfo { algorithm, subjectPublicKey }
  return createHash('sha1').update(spki.subarray(bits.contentStart + 1, bits.end)).digest();
}

/** GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String (RFC 5280 §4.2.1.6). */
const uri = (u: string) => tlv(0x86, Buffer.from(u, 'latin1'));

function keyUsageBits(bits: number[]): Buffer {
  let v = 0;
  for (const b of bits) v |= 0x80 >> b;
  // DER BIT STRING: trailing zero bits are not encoded (X.690 §11.2.2)
  let unused = 0;
  while (unused < 7 && !(v & (1 << unused))) unused++;
  return bitString(Buffer.from([v]), unused);
}

export interface CertificateSpec {
  subject: NameSpec;
  /** The issuer's Name; the subject's when self-signed. */
  issuer?: NameSpec;
  publicKey: KeyObject;
  issuerKey: KeyObject;
  issuerPublicKey?: KeyObject;
  serial: Buffer;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  /** RFC 5280 §4.2.1.13 CRLDistributionPoints: one distribution point with this URI as fullName. */
  crlUrl?: string;
  /** RFC 5280 §4.2.2.1 AuthorityInfoAccess: id-ad-ocsp with this URI (RFC 6960 §4.2.2.1 / Appendix A.1). */
  ocspUrl?: string;
}

/**
 * An X.509 v3 certificate (RFC 5280 §4.1) signed with Node's native crypto: basic
 * constraints and key usage critical (CA: keyCertSign + cRLSign; seal: digitalSignature +
 * nonRepudiation), subject and authority key identifiers.
 */
export function makeCertificate(spec: CertificateSpec): Buffer {
  const algo = signatureAlgorithm(spec.issuerKey);
  const ski = keyIdentifier(spec.publicKey);
  const aki = keyIdentifier(spec.issuerPublicKey ?? spec.publicKey);
  const ext = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
  const usage = spec.ca ? [KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign] : [KEY_USAGE.digitalSignature, KEY_USAGE.nonRepudiation];
  const extensions = seq(
    ext(OID.basicConstraints, true, spec.ca ? seq(bool(true)) : seq()),
    ext(OID.keyUsage, true, keyUsageBits(usage)),
    ext(OID.subjectKeyIdentifier, false, octets(ski)),
    ext(OID.authorityKeyIdentifier, false, seq(ctx(0, aki, false))),
    // DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames { uniformResourceIdentifier [6] } } }
    ...(spec.crlUrl ? [ext(OID.cRLDistributionPoints, false, seq(seq(ctx(0, ctx(0, uri(spec.crlUrl))))))] : []),
    ...(spec.ocspUrl ? [ext(OID.authorityInfoAccess, false, seq(seq(oid(OID.idAdOcsp), uri(spec.ocspUrl))))] : []),
  );
  const tbs = seq(
    ctx(0, int(2)), // version v3
    int(spec.serial),
    algo,
    encodeName(spec.issuer ?? spec.subject),
    seq(time(spec.notBefore), time(spec.notAfter)),
    encodeName(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    ctx(3, extensions),
  );
  const signature = sign('sha256', tbs, { key: spec.issuerKey, dsaEncoding: 'der' });
  return seq(tbs, algo, bitString(signature));
}

/** PKCS #9 extensionRequest (RFC 2985 §5.4.2), the attribute carrying requested extensions in a PKCS #10 request. */
const EXTENSION_REQUEST_OID = '1.2.840.113549.1.9.14';

/**
 * A PKCS #10 certification request (RFC 2986 §4): CertificationRequestInfo { version 0,
 * subject, subjectPKInfo, attributes [0] { extensionRequest { keyUsage digitalSignature +
 * nonRepudiation (critical) } } }, signed by the key itself through `sign` (SHA-256;
 * PKCS #1 v1.5 or DER ECDSA — the Signer contract, so a token key signs its own request).
 */
export async function makeCsr(spec: { subject: NameSpec; publicKey: KeyObject; keyType: 'rsa' | 'ec'; sign: (data: Buffer) => Promise<Buffer> }): Promise<Buffer> {
  const ext = seq(oid(OID.keyUsage), bool(true), octets(keyUsageBits([KEY_USAGE.digitalSignature, KEY_USAGE.nonRepudiation])));
  const attributes = ctx(0, seq(oid(EXTENSION_REQUEST_OID), setOf(seq(ext))));
  const info = seq(int(0), encodeName(spec.subject), spec.publicKey.export({ type: 'spki', format: 'der' }), attributes);
  const algo = spec.keyType === 'rsa' ? seq(oid(OID.sha256WithRSAEncryption), nullValue()) : seq(oid(OID.ecdsaWithSHA256));
  return seq(info, algo, bitString(await spec.sign(info)));
}

/**
 * The KeyUsage bits of a certificate (RFC 5280 §4.2.1.3) by name, or undefined when the
 * extension is absent. Read from tbsCertificate.extensions [3] with the DER reader.
 */
export function readKeyUsage(cert: Buffer): Set<keyof typeof KEY_USAGE> | undefined {
  const tbs = children(cert, readTlv(cert, 0))[0];
  const extsWrap = children(cert, tbs).find((t) => t.tag === 0xa3);
  if (!extsWrap) return undefined;
  const exts = children(cert, children(cert, extsWrap)[0]);
  for (const e of exts) {
    const parts = children(cert, e);
    const id = cert.subarray(parts[0].start, parts[0].end);
    if (!id.equals(oid(OID.keyUsage))) continue;
    const value = parts[parts.length - 1]; // OCTET STRING { BIT STRING }
    const bits = readTlv(cert, value.contentStart);
    const bytes = cert.subarray(bits.contentStart + 1, bits.end);
    const out = new Set<keyof typeof KEY_USAGE>();
    for (const [name, bit] of Object.entries(KEY_USAGE) as Array<[keyof typeof KEY_USAGE, number]>) if (bytes[bit >> 3] & (0x80 >> (bit & 7))) out.add(name);
    return out;
  }
  return undefined;
}
