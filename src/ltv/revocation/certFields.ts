import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { OID } from '../../sign/constants';
import { children, readOid, readTlv, slice, tlv, type Tlv } from '../../sign/der';

/**
 * The parts of an X.509 certificate (RFC 5280 §4.1) that OCSP (RFC 6960) and CRLs
 * (RFC 5280 §5) refer to, read with the DER reader of src/sign/der.ts. Parsed once per
 * certificate (cached by its DER), so the revocation code never re-reads a certificate.
 */
export interface CertFields {
  der: Buffer;
  /** SHA-256 of the DER, base64. */
  hash: string;
  tbs: Buffer;
  /** INTEGER contents of serialNumber (RFC 5280 §4.1.2.2), as encoded. */
  serial: Buffer;
  /** DER of the issuer and subject Names (§4.1.2.4, §4.1.2.6). */
  issuerName: Buffer;
  subjectName: Buffer;
  /** The subjectPublicKey BIT STRING value without its unused-bits octet: what CertID.issuerKeyHash hashes (RFC 6960 §4.1.1). */
  keyBits: Buffer;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** extnID → extnValue contents (the DER inside the OCTET STRING). */
  extensions: Map<string, Buffer>;
}

const cache = new Map<string, CertFields>();

export function certFields(der: Buffer): CertFields {
  const key = createHash('sha256').update(der).digest('base64');
  const hit = cache.get(key);
  if (hit) return hit;
  const root = readTlv(der, 0);
  if (root.end !== der.length) throw new RangeError('certificate: trailing bytes');
  const [tbsT] = children(der, root);
  let parts = children(der, tbsT);
  if (parts[0].tag === 0xa0) parts = parts.slice(1); // version [0]
  const [serialT, , issuerT, validityT, subjectT, spkiT, ...rest] = parts;
  const [nb, na] = children(der, validityT);
  const spkiParts = children(der, spkiT);
  const bits = spkiParts[1];
  const extensions = new Map<string, Buffer>();
  const extsWrap = rest.find((t) => t.tag === 0xa3);
  if (extsWrap) {
    for (const e of children(der, children(der, extsWrap)[0])) {
      const p = children(der, e);
      const value = p[p.length - 1];
      extensions.set(readOid(der, p[0]), der.subarray(value.contentStart, value.end));
    }
  }
  const f: CertFields = {
    der,
    hash: key,
    tbs: slice(der, tbsT),
    serial: der.subarray(serialT.contentStart, serialT.end),
    issuerName: slice(der, issuerT),
    subjectName: slice(der, subjectT),
    keyBits: bitStringBytes(der, bits),
    publicKey: createPublicKey({ key: slice(der, spkiT), format: 'der', type: 'spki' }),
    notBefore: readTime(der, nb),
    notAfter: readTime(der, na),
    extensions,
  };
  if (cache.size > 1000) cache.clear();
  cache.set(key, f);
  return f;
}


/** UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5.1-2: Z form, seconds present). */
export function readTime(b: Buffer, t: Tlv): Date {
  const s = b.toString('latin1', t.contentStart, t.end);
  let m: RegExpMatchArray | null;
  if (t.tag === 0x17 && (m = s.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    const yy = Number(m[1]);
    return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  if (t.tag === 0x18 && (m = s.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d+))?Z$/)))
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] ? Number(`0.${m[7]}`) * 1000 : 0));
  throw new RangeError(`DER: bad time ${JSON.stringify(s)}`);
}

/** GeneralizedTime, whole seconds, Z (RFC 6960 §4.2.1 times; RFC 5280 §4.1.2.5.2). */
export function generalizedTime(d: Date): Buffer {
  return tlv(0x18, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z', 'latin1'));
}

/** URIs (GeneralName [6]) anywhere inside `der`: enough for AIA and CRLDistributionPoints values. */
function urisIn(der: Buffer, t: Tlv, out: string[]): void {
  if (t.tag === 0x86) out.push(der.toString('latin1', t.contentStart, t.end));
  else if (t.tag & 0x20) for (const c of children(der, t)) urisIn(der, c, out);
}

/** AuthorityInfoAccess id-ad-ocsp URIs (RFC 5280 §4.2.2.1). */
export function ocspUrls(cert: Buffer): string[] {
  const v = certFields(cert).extensions.get(OID.authorityInfoAccess);
  if (!v) return [];
  const out: string[] = [];
  for (const ad of children(v, readTlv(v, 0))) {
    const [method, location] = children(v, ad);
    if (readOid(v, method) === OID.idAdOcsp) urisIn(v, location, out);
  }
  return out;
}

/** CRLDistributionPoints fullName URIs (RFC 5280 §4.2.1.13). */
export function crlUrls(cert: Buffer): string[] {
  const v = certFields(cert).extensions.get(OID.cRLDistributionPoints);
  if (!v) return [];
  const out: string[] = [];
  for (const dp of children(v, readTlv(v, 0))) {
    const name = children(v, dp).find((t) => t.tag === 0xa0);
    if (name) urisIn(v, name, out);
  }
  return out;
}

/** ExtendedKeyUsage OIDs (RFC 5280 §4.2.1.12), empty when absent. */
export function extendedKeyUsage(cert: Buffer): string[] {
  const v = certFields(cert).extensions.get(OID.extKeyUsage);
  return v ? children(v, readTlv(v, 0)).map((t) => readOid(v, t)) : [];
}

/** The bytes of a BIT STRING holding a signature or key: tag 0x03 and no unused bits (X.690 §8.6.2). */
export function bitStringBytes(b: Buffer, t: Tlv): Buffer {
  if (t.tag !== 0x03 || t.end <= t.contentStart || b[t.contentStart] !== 0) throw new RangeError('DER: BIT STRING with unused bits');
  return b.subarray(t.contentStart + 1, t.end);
}

/** Hash algorithm name for a CertID / signature OID (node:crypto names). */
export const HASH_BY_OID: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

const SIGNATURE_HASH: Record<string, string> = {
  [OID.sha256WithRSAEncryption]: 'sha256',
  [OID.sha384WithRSAEncryption]: 'sha384',
  [OID.sha512WithRSAEncryption]: 'sha512',
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption (RFC 8017 App. A.2.4), still common in OCSP
  [OID.ecdsaWithSHA256]: 'sha256',
  [OID.ecdsaWithSHA384]: 'sha384',
  [OID.ecdsaWithSHA512]: 'sha512',
  '1.2.840.10045.4.1': 'sha1', // ecdsa-with-SHA1 (RFC 3279 §2.2.3)
};

/**
 * Verify `signature` over `data` under `key` for the AlgorithmIdentifier element `algT` in
 * `b` (PKCS #1 v1.5 or ECDSA, RFC 5754 / RFC 5758), with node:crypto. Unknown algorithms fail.
 */
export function verifyWithAlgorithm(b: Buffer, algT: Tlv, data: Buffer, signature: Buffer, key: KeyObject): boolean {
  const hash = SIGNATURE_HASH[readOid(b, children(b, algT)[0])];
  if (!hash) return false;
  const ec = key.asymmetricKeyType === 'ec';
  try {
    return verifySignature(hash, data, ec ? { key, dsaEncoding: 'der' } : key, signature);
  } catch {
    return false;
  }
}

const issuedByCache = new Map<string, boolean>();

/** Whether `issuer` signed `cert` (its name is cert's issuer and its key verifies cert's signature); remembered per pair. */
export function issuedBy(cert: Buffer, issuer: Buffer): boolean {
  const c = certFields(cert);
  const i = certFields(issuer);
  if (!c.issuerName.equals(i.subjectName)) return false;
  const key = `${c.hash}:${i.hash}`;
  const hit = issuedByCache.get(key);
  if (hit !== undefined) return hit;
  const [, algT, sigT] = children(cert, readTlv(cert, 0));
  let ok: boolean;
  try {
    ok = verifyWithAlgorithm(cert, algT, c.tbs, bitStringBytes(cert, sigT), i.publicKey);
  } catch {
    ok = false;
  }
  if (issuedByCache.size > 10_000) issuedByCache.clear();
  issuedByCache.set(key, ok);
  return ok;
}
