import { createHash, verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import { OID } from '../../sign/constants';
import { children, int, oid, readTlv, seq, slice, type Tlv, oidText } from '../../sign/der';
import { countCertificates } from '../../verify/cms/countCertificates';
import { assertStrictDer } from '../../verify/cms/strictDer';

/**
 * The checks of an RFC 3161 TimeStampToken shared by the issuing client
 * (checkTimeStampResponse.ts) and the verifier (verifyTimeStampToken.ts): the token read
 * strictly (DER, ITU-T X.690 §10) element by element with src/sign/der.ts, the CMS
 * signature (RFC 5652 §5.4) and the certificate chain verified with node:crypto, and the
 * checks pkijs does not make: the ESS signing-certificate binding (RFC 2634 §5.4,
 * RFC 5816 §2.2.1) and the TSA certificate's critical, sole id-kp-timeStamping extended
 * key usage (RFC 3161 §2.3).
 */

/** Largest TimeStampToken accepted (an outside TSA's token with its chain is ~6–8 KB). */
export const MAX_TOKEN_BYTES = 64 * 1024;
/** Most certificates a token may carry (the TSA certificate and a short chain), like src/verify/cms/countCertificates.ts. */
export const MAX_TOKEN_CERTIFICATES = 8;

export type TokenReason = 'FORMAT' | 'NONCE' | 'IMPRINT' | 'ALGORITHM' | 'ESS_CERT_ID' | 'SIGNATURE' | 'EKU' | 'CHAIN';
export type TokenSubIndication = 'FORMAT_FAILURE' | 'HASH_FAILURE' | 'SIG_CRYPTO_FAILURE' | 'NO_CERTIFICATE_CHAIN_FOUND' | 'OUT_OF_BOUNDS_NO_POE' | 'SIG_CONSTRAINTS_FAILURE';
export interface TokenCheck {
  id: string;
  passed: boolean;
  detail: string;
}

export class TokenFault extends Error {
  constructor(
    readonly reason: TokenReason,
    readonly sub: TokenSubIndication,
    readonly id: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface ExaminedToken {
  genTime: Date;
  tsaCertificate: Buffer;
  tsaSubject: string;
  serialHex: string;
  policy: string;
}

const DIGESTS: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
const SIGNATURE_ALGORITHMS = new Set<string>([OID.rsaEncryption, OID.sha256WithRSAEncryption, OID.sha384WithRSAEncryption, OID.sha512WithRSAEncryption, OID.ecdsaWithSHA256, OID.ecdsaWithSHA384, OID.ecdsaWithSHA512]);
/** The digest a signature algorithm names (RFC 5754 §3.2, RFC 4055 §5): it must be the SignerInfo's digestAlgorithm. */
const SIGNATURE_DIGEST: Record<string, string> = {
  [OID.sha256WithRSAEncryption]: 'sha256',
  [OID.sha384WithRSAEncryption]: 'sha384',
  [OID.sha512WithRSAEncryption]: 'sha512',
  [OID.ecdsaWithSHA256]: 'sha256',
  [OID.ecdsaWithSHA384]: 'sha384',
  [OID.ecdsaWithSHA512]: 'sha512',
};
const CURVES = new Set(['prime256v1', 'secp384r1']);
const MIN_RSA_BITS = 2048;
const SHA256_ALG_DER = [seq(oid(OID.sha256)), seq(oid(OID.sha256), Buffer.from([0x05, 0x00]))];
/** DER of the object identifiers compared on every token (encoded once). */
const DER = {
  signedData: oid(OID.signedData),
  tstInfo: oid(OID.tstInfo),
  extKeyUsage: oid(OID.extKeyUsage),
  kpTimeStamping: oid(OID.kpTimeStamping),
  subjectKeyIdentifier: oid(OID.subjectKeyIdentifier),
};

/**
 * Examine `token` (ContentInfo(SignedData(TSTInfo))) stamped over `imprint` (SHA-256):
 * pushes one passed check per step into `checks` and throws TokenFault at the first failure.
 * `validAt`: instants at which every certificate of the TSA chain must be within its validity
 * (genTime is always added). `nonce`: the INTEGER magnitude we sent (client only).
 */
export function examineTimeStampToken(args: { token: Buffer; imprint: Buffer; trustAnchors: Buffer[]; validAt: Date[]; nonce?: Buffer; checks: TokenCheck[] }): ExaminedToken {
  const { token, checks } = args;
  const pass = (id: string, detail: string) => checks.push({ id, passed: true, detail });
  const bad = (what: string) => new TokenFault('FORMAT', 'FORMAT_FAILURE', 'tst-structure', what);

  // ---- limits before work, then DER over the whole value
  if (token.length > MAX_TOKEN_BYTES) throw bad(`token larger than ${MAX_TOKEN_BYTES} bytes`);
  let certCount: number;
  try {
    certCount = countCertificates(token, MAX_TOKEN_CERTIFICATES);
  } catch {
    throw bad('not a DER CMS SignedData');
  }
  if (certCount > MAX_TOKEN_CERTIFICATES) throw bad(`more than ${MAX_TOKEN_CERTIFICATES} certificates in the token`);
  try {
    assertStrictDer(token);
  } catch (e) {
    throw bad(`not DER (${(e as Error).message})`);
  }
  let p: ParsedToken;
  try {
    p = parseToken(token);
  } catch (e) {
    if (e instanceof TokenFault) throw e;
    throw bad(`unreadable token (${(e as Error).message?.slice(0, 80)})`);
  }
  pass('tst-structure', `TimeStampToken, TSTInfo serial ${p.serialHex}, genTime ${p.genTime.toISOString()}`);

  // ---- our nonce (RFC 3161 §2.4.2: the TSA copies it when the request had one)
  if (args.nonce) {
    if (!p.nonce || !p.nonce.equals(int(args.nonce))) throw new TokenFault('NONCE', 'FORMAT_FAILURE', 'tst-nonce', p.nonce ? 'the nonce is not the one we sent (a replayed response?)' : 'the response carries no nonce');
    pass('tst-nonce', 'nonce matches the request');
  }

  // ---- messageImprint = SHA-256 of what was stamped (RFC 3161 §2.4.2)
  if (!SHA256_ALG_DER.some((a) => a.equals(p.imprintAlgorithm))) throw new TokenFault('IMPRINT', 'HASH_FAILURE', 'tst-imprint', 'message imprint is not SHA-256');
  if (!p.imprint.equals(args.imprint)) throw new TokenFault('IMPRINT', 'HASH_FAILURE', 'tst-imprint', 'message imprint does not match the stamped bytes');
  pass('tst-imprint', 'message imprint is the SHA-256 of the stamped bytes');

  // ---- algorithms
  const digestName = DIGESTS[p.digestAlgorithm];
  if (!digestName) throw new TokenFault('ALGORITHM', 'SIG_CONSTRAINTS_FAILURE', 'tst-algorithms', `digest algorithm ${p.digestAlgorithm} is not accepted`);
  if (!SIGNATURE_ALGORITHMS.has(p.signatureAlgorithm)) throw new TokenFault('ALGORITHM', 'SIG_CONSTRAINTS_FAILURE', 'tst-algorithms', `signature algorithm ${p.signatureAlgorithm} is not accepted`);

  // ---- the signer certificate: named by the SignerInfo's sid, carried in the token (or itself a trust anchor)
  const pool = p.certificates.map(certFacts);
  const anchorFacts = args.trustAnchors.map(certFacts);
  const signer = [...pool, ...anchorFacts].find((c) => (p.sid.kind === 'issuerSerial' ? c.issuerAndSerial.equals(p.sid.value) : c.ski?.equals(p.sid.value)));
  if (!signer) throw new TokenFault('ESS_CERT_ID', 'SIG_CONSTRAINTS_FAILURE', 'tst-signer-certificate', 'the TSA certificate is not in the token');

  // ---- ESS signing-certificate (RFC 2634 §5.4, SHA-1) or v2 (RFC 5035 §3, RFC 5816 §2.2.1) names that certificate
  const essProblem = checkEss(p.attributes, signer);
  if (essProblem) throw new TokenFault('ESS_CERT_ID', 'SIG_CONSTRAINTS_FAILURE', 'tst-ess-cert-id', essProblem);
  pass('tst-ess-cert-id', 'ESS signing-certificate identifies the TSA certificate');

  // ---- key strength and the CMS signature over the DER SET OF signed attributes (RFC 5652 §5.4)
  const key = signer.publicKey;
  const kd = key.asymmetricKeyDetails ?? {};
  const strong = key.asymmetricKeyType === 'rsa' ? (kd.modulusLength ?? 0) >= MIN_RSA_BITS : key.asymmetricKeyType === 'ec' && CURVES.has(kd.namedCurve ?? '');
  if (!strong) throw new TokenFault('ALGORITHM', 'SIG_CONSTRAINTS_FAILURE', 'tst-algorithms', `TSA key ${key.asymmetricKeyType} ${kd.modulusLength ?? kd.namedCurve ?? ''} is not accepted`);
  const implied = SIGNATURE_DIGEST[p.signatureAlgorithm];
  if (implied && implied !== digestName) throw new TokenFault('ALGORITHM', 'SIG_CONSTRAINTS_FAILURE', 'tst-algorithms', `signature algorithm ${p.signatureAlgorithm} does not fit the digest ${digestName}`);
  const ecSig = p.signatureAlgorithm.startsWith('1.2.840.10045.');
  if (ecSig !== (key.asymmetricKeyType === 'ec')) throw new TokenFault('ALGORITHM', 'SIG_CONSTRAINTS_FAILURE', 'tst-algorithms', 'signature algorithm does not fit the TSA key');
  const ct = one(p.attributes, OID.contentType);
  if (!ct || !ct.equals(DER.tstInfo)) throw new TokenFault('SIGNATURE', 'SIG_CRYPTO_FAILURE', 'tst-signature', 'content-type attribute is not id-ct-TSTInfo');
  const md = one(p.attributes, OID.messageDigest);
  const digest = createHash(digestName).update(p.tstInfo).digest();
  if (!md || md[0] !== 0x04 || !md.subarray(readTlv(md, 0).contentStart).equals(digest)) throw new TokenFault('SIGNATURE', 'SIG_CRYPTO_FAILURE', 'tst-signature', 'message-digest attribute does not match the TSTInfo');
  const signedAttrs = Buffer.from(p.signedAttrs);
  signedAttrs[0] = 0x31;
  let valid = false;
  try {
    valid = verifySignature(digestName, signedAttrs, { key, dsaEncoding: 'der' }, p.signature);
  } catch {
    valid = false;
  }
  if (!valid) throw new TokenFault('SIGNATURE', 'SIG_CRYPTO_FAILURE', 'tst-signature', 'the token signature does not verify with the TSA key');
  pass('tst-signature', `token signed by ${signer.subjectCN}`);

  // ---- RFC 3161 §2.3: extended key usage present, critical, id-kp-timeStamping only
  if (!signer.timeStampingOnly) throw new TokenFault('EKU', 'SIG_CONSTRAINTS_FAILURE', 'tst-eku', 'the TSA certificate lacks a critical extended key usage of id-kp-timeStamping only');
  pass('tst-eku', 'TSA certificate: critical extended key usage id-kp-timeStamping');

  // ---- chain to a trust anchor, every certificate valid at genTime and at each `validAt`
  const path = buildPath(signer, pool, anchorFacts);
  if (!path) throw new TokenFault('CHAIN', 'NO_CERTIFICATE_CHAIN_FOUND', 'tst-chain', `no chain from "${signer.subjectCN}" to a trusted TSA root`);
  for (const t of [p.genTime, ...args.validAt]) {
    const outside = path.find((c) => t.getTime() < c.notBefore || t.getTime() > c.notAfter);
    if (outside) throw new TokenFault('CHAIN', 'OUT_OF_BOUNDS_NO_POE', 'tst-chain', `${outside.subjectCN} was not valid at ${t.toISOString()}`);
  }
  pass('tst-chain', `chains to ${path[path.length - 1].subjectCN}, valid at ${[p.genTime, ...args.validAt].map((d) => d.toISOString()).join(' and ')}`);
  return { genTime: p.genTime, tsaCertificate: signer.der, tsaSubject: signer.subject.replace(/\n/g, ', '), serialHex: p.serialHex, policy: p.policy };
}

// ------------------------------------------------------------------ parsing

interface ParsedToken {
  digestAlgorithm: string;
  signatureAlgorithm: string;
  sid: { kind: 'issuerSerial' | 'ski'; value: Buffer };
  signedAttrs: Buffer;
  attributes: Array<{ type: string; values: Buffer[] }>;
  signature: Buffer;
  certificates: Buffer[];
  /** DER of the TSTInfo (the content of the eContent OCTET STRING). */
  tstInfo: Buffer;
  policy: string;
  imprintAlgorithm: Buffer;
  imprint: Buffer;
  serialHex: string;
  genTime: Date;
  /** DER INTEGER of the nonce, when present. */
  nonce?: Buffer;
}

/**
 * ContentInfo { id-signedData, [0] SignedData { version, digestAlgorithms,
 * encapContentInfo { id-ct-TSTInfo, [0] OCTET STRING TSTInfo }, [0] certificates?,
 * [1] crls?, signerInfos { SignerInfo } } } (RFC 3161 §2.4.2, RFC 5652 §5).
 */
function parseToken(der: Buffer): ParsedToken {
  const bad = (what: string) => new TokenFault('FORMAT', 'FORMAT_FAILURE', 'tst-structure', what);
  const expect = (t: Tlv | undefined, tag: number, what: string): Tlv => {
    if (!t || t.tag !== tag) throw bad(`${what} expected`);
    return t;
  };
  const ci = readTlv(der, 0);
  if (ci.tag !== 0x30 || ci.end !== der.length) throw bad('not one DER SEQUENCE');
  const [ct, explicit, ...rest] = children(der, ci);
  if (rest.length || !ct || !slice(der, expect(ct, 0x06, 'content type')).equals(DER.signedData)) throw bad('content type is not signedData');
  const sdTlvs = children(der, expect(explicit, 0xa0, '[0] content'));
  if (sdTlvs.length !== 1) throw bad('one SignedData expected');
  const parts = children(der, expect(sdTlvs[0], 0x30, 'SignedData'));
  let i = 0;
  const version = slice(der, expect(parts[i++], 0x02, 'version'));
  // RFC 5652 §5.1: eContentType other than id-data → version 3
  if (!version.equals(Buffer.from([2, 1, 3]))) throw bad('SignedData version must be 3 (RFC 5652 §5.1)');
  const digestAlgs = children(der, expect(parts[i++], 0x31, 'digestAlgorithms')).map((a) => expect(a, 0x30, 'AlgorithmIdentifier'));
  const encap = children(der, expect(parts[i++], 0x30, 'encapContentInfo'));
  if (encap.length !== 2 || !slice(der, expect(encap[0], 0x06, 'eContentType')).equals(DER.tstInfo)) throw bad('eContentType is not id-ct-TSTInfo');
  const eContent = children(der, expect(encap[1], 0xa0, 'eContent'));
  if (eContent.length !== 1) throw bad('one eContent expected');
  const octetsTlv = expect(eContent[0], 0x04, 'eContent OCTET STRING');
  const tstInfo = der.subarray(octetsTlv.contentStart, octetsTlv.end);
  let certificates: Buffer[] = [];
  if (parts[i]?.tag === 0xa0) certificates = children(der, parts[i++]).map((c) => slice(der, expect(c, 0x30, 'certificate')));
  if (parts[i]?.tag === 0xa1) i++; // crls: not used (revocation of the TSA certificate is the DSS's business)
  const signerInfos = children(der, expect(parts[i++], 0x31, 'signerInfos'));
  if (i !== parts.length) throw bad('unexpected element in SignedData');
  if (signerInfos.length !== 1) throw bad(`${signerInfos.length} SignerInfos; exactly one is allowed`);
  const si = children(der, expect(signerInfos[0], 0x30, 'SignerInfo'));
  let j = 0;
  const siVersion = slice(der, expect(si[j++], 0x02, 'SignerInfo version'));
  const sidTlv = si[j++];
  let sid: ParsedToken['sid'];
  if (siVersion.equals(Buffer.from([2, 1, 1])) && sidTlv?.tag === 0x30) sid = { kind: 'issuerSerial', value: slice(der, sidTlv) };
  else if (siVersion.equals(Buffer.from([2, 1, 3])) && sidTlv?.tag === 0x80) sid = { kind: 'ski', value: der.subarray(sidTlv.contentStart, sidTlv.end) };
  else throw bad('SignerInfo version and sid do not agree (RFC 5652 §5.3)');
  const digestAlgorithm = algorithmOf(der, expect(si[j++], 0x30, 'digestAlgorithm'));
  if (!digestAlgs.some((a) => algorithmOf(der, a) === digestAlgorithm)) throw bad('digest algorithm not listed in digestAlgorithms');
  const attrsTlv = expect(si[j++], 0xa0, 'signed attributes');
  const attributes = children(der, attrsTlv).map((a) => {
    const [type, values, ...more] = children(der, expect(a, 0x30, 'attribute'));
    if (more.length) throw bad('malformed attribute');
    return { type: oidText(slice(der, expect(type, 0x06, 'attribute type'))), values: children(der, expect(values, 0x31, 'attribute values')).map((v) => slice(der, v)) };
  });
  const signatureAlgorithm = algorithmOf(der, expect(si[j++], 0x30, 'signatureAlgorithm'));
  const sigTlv = expect(si[j++], 0x04, 'signature');
  if (si[j]?.tag === 0xa1) j++; // unsigned attributes of the token: not read
  if (j !== si.length) throw bad('unexpected element in SignerInfo');

  // TSTInfo { version 1, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, [0] tsa?, [1] extensions? } (RFC 3161 §2.4.2)
  const tTlv = readTlv(tstInfo, 0);
  if (tTlv.tag !== 0x30 || tTlv.end !== tstInfo.length) throw bad('TSTInfo is not one SEQUENCE');
  const f = children(tstInfo, tTlv);
  let k = 0;
  if (!slice(tstInfo, expect(f[k++], 0x02, 'TSTInfo version')).equals(Buffer.from([2, 1, 1]))) throw bad('TSTInfo version is not 1');
  const policy = oidText(slice(tstInfo, expect(f[k++], 0x06, 'policy')));
  const mi = children(tstInfo, expect(f[k++], 0x30, 'messageImprint'));
  if (mi.length !== 2) throw bad('malformed messageImprint');
  const imprintAlgorithm = slice(tstInfo, expect(mi[0], 0x30, 'hashAlgorithm'));
  const hashed = expect(mi[1], 0x04, 'hashedMessage');
  const serial = expect(f[k++], 0x02, 'serialNumber');
  const gt = expect(f[k++], 0x18, 'genTime');
  const genTime = parseGeneralizedTime(tstInfo.subarray(gt.contentStart, gt.end).toString('latin1'));
  if (!genTime) throw bad('genTime is not a GeneralizedTime in UTC (RFC 3161 §2.4.2)');
  if (f[k]?.tag === 0x30) k++; // accuracy
  if (f[k]?.tag === 0x01) k++; // ordering
  let nonce: Buffer | undefined;
  if (f[k]?.tag === 0x02) nonce = slice(tstInfo, f[k++]);
  if (f[k]?.tag === 0xa0) k++; // tsa
  if (f[k]?.tag === 0xa1) k++; // extensions
  if (k !== f.length) throw bad('unexpected element in TSTInfo');
  return {
    digestAlgorithm,
    signatureAlgorithm,
    sid,
    signedAttrs: slice(der, attrsTlv),
    attributes,
    signature: der.subarray(sigTlv.contentStart, sigTlv.end),
    certificates,
    tstInfo,
    policy,
    imprintAlgorithm,
    imprint: tstInfo.subarray(hashed.contentStart, hashed.end),
    serialHex: tstInfo.subarray(serial.contentStart, serial.end).toString('hex'),
    genTime,
    ...(nonce ? { nonce } : {}),
  };
}

/** GeneralizedTime YYYYMMDDhhmmss[.f*]Z, no trailing zero in the fraction (RFC 3161 §2.4.2). */
export function parseGeneralizedTime(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(s);
  if (!m) return undefined;
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms));
  return Number.isNaN(d.getTime()) || d.getUTCDate() !== +m[3] ? undefined : d;
}

function one(attrs: Array<{ type: string; values: Buffer[] }>, type: string): Buffer | undefined {
  const found = attrs.filter((a) => a.type === type);
  return found.length === 1 && found[0].values.length === 1 ? found[0].values[0] : undefined;
}

/**
 * AlgorithmIdentifier { algorithm, parameters } of a digest or signature algorithm: the
 * parameters absent or NULL (RFC 5754 §2, §3.2; RFC 4055 §5) — nothing else, so the
 * unsigned parts of a token cannot carry arbitrary bytes there.
 */
function algorithmOf(der: Buffer, alg: Tlv): string {
  const [id, params, ...more] = children(der, alg);
  if (!id || id.tag !== 0x06 || more.length || (params && (params.tag !== 0x05 || params.end !== params.contentStart))) throw new TokenFault('FORMAT', 'FORMAT_FAILURE', 'tst-structure', 'algorithm identifier expected (parameters absent or NULL)');
  return oidText(slice(der, id));
}


// ------------------------------------------------------------------ ESS signing certificate

/**
 * SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { hashAlgorithm DEFAULT sha256,
 * certHash, issuerSerial? } } (RFC 5035 §3) or SigningCertificate { certs SEQUENCE OF
 * ESSCertID { certHash (SHA-1), issuerSerial? } } (RFC 2634 §5.4): exactly one of them, its
 * first entry hashing to the signer certificate, and its issuerSerial, when present, naming
 * it. Returns the problem, or undefined.
 */
function checkEss(attrs: Array<{ type: string; values: Buffer[] }>, signer: CertFacts): string | undefined {
  const v2 = attrs.filter((a) => a.type === OID.signingCertificateV2);
  const v1 = attrs.filter((a) => a.type === OID.signingCertificate);
  if (v1.length + v2.length !== 1) return 'exactly one ESS signing-certificate attribute (v1 or v2) expected';
  const attr = (v2[0] ?? v1[0]).values;
  if (attr.length !== 1) return 'ESS signing-certificate attribute must have one value';
  const value = attr[0];
  try {
    const [certs] = children(value, readTlv(value, 0));
    const [first] = children(value, certs);
    if (!first || first.tag !== 0x30) return 'ESS signing-certificate lists no certificate';
    const fields = children(value, first);
    let k = 0;
    let hashName = 'sha1';
    if (v2.length) {
      hashName = 'sha256';
      if (fields[0]?.tag === 0x30) {
        const name = DIGESTS[algorithmOf(value, fields[0])];
        if (!name) return 'ESS certHash algorithm is not accepted';
        hashName = name;
        k = 1;
      }
    }
    const hash = fields[k++];
    if (hash?.tag !== 0x04) return 'ESS certHash missing';
    if (!value.subarray(hash.contentStart, hash.end).equals(createHash(hashName).update(signer.der).digest())) return 'ESS certHash is not the hash of the TSA certificate';
    const issuerSerial = fields[k];
    if (issuerSerial) {
      k++;
      if (issuerSerial.tag !== 0x30) return 'malformed ESS issuerSerial';
      // IssuerSerial { issuer GeneralNames, serialNumber }: the certificate's issuer as [4] directoryName, and its serial
      const [names, serial] = children(value, issuerSerial);
      if (!serial || !slice(value, serial).equals(signer.serial)) return 'ESS issuerSerial serial number is not the TSA certificate’s';
      const dns = children(value, names).filter((n) => n.tag === 0xa4);
      if (dns.length && !dns.some((n) => value.subarray(n.contentStart, n.end).equals(signer.issuerName))) return 'ESS issuerSerial issuer is not the TSA certificate’s issuer';
    }
    if (k !== fields.length) return 'malformed ESSCertID';
    return undefined;
  } catch {
    return 'malformed ESS signing-certificate attribute';
  }
}

// ------------------------------------------------------------------ certificates

interface CertFacts {
  der: Buffer;
  sha256: string;
  x509: X509Certificate;
  /** Parsed once: X509Certificate.publicKey makes a new KeyObject on every read. */
  publicKey: KeyObject;
  subject: string;
  issuer: string;
  ca: boolean;
  subjectCN: string;
  issuerAndSerial: Buffer;
  issuerName: Buffer;
  serial: Buffer;
  ski?: Buffer;
  notBefore: number;
  notAfter: number;
  /** extKeyUsage present, critical, and exactly { id-kp-timeStamping } (RFC 3161 §2.3). */
  timeStampingOnly: boolean;
}

/** Facts depend only on the certificate: cached by SHA-256, bounded (the TSA and its roots repeat for every document). */
const factsCache = new Map<string, CertFacts>();
const FACTS_CACHE_MAX = 64;

function certFacts(der: Buffer): CertFacts {
  const key = createHash('sha256').update(der).digest('base64');
  let f = factsCache.get(key);
  if (!f) {
    f = parseFacts(Buffer.from(der), key);
    if (factsCache.size >= FACTS_CACHE_MAX) factsCache.delete(factsCache.keys().next().value as string);
    factsCache.set(key, f);
  }
  return f;
}

function parseFacts(der: Buffer, sha256: string): CertFacts {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch {
    throw new TokenFault('FORMAT', 'FORMAT_FAILURE', 'tst-structure', 'a certificate in the token cannot be parsed');
  }
  const tbs = readTlv(der, readTlv(der, 0).contentStart);
  const fields = children(der, tbs);
  const [serial, issuer] = fields[0].tag === 0xa0 ? [fields[1], fields[3]] : [fields[0], fields[2]];
  let ski: Buffer | undefined;
  let timeStampingOnly = false;
  const extsWrap = fields.find((t) => t.tag === 0xa3);
  if (extsWrap) {
    for (const e of children(der, children(der, extsWrap)[0])) {
      const parts = children(der, e);
      const id = slice(der, parts[0]);
      const critical = parts.length === 3 && der[parts[1].start] === 0x01 && der[parts[1].contentStart] === 0xff;
      const value = parts[parts.length - 1];
      if (id.equals(DER.extKeyUsage)) {
        const list = children(der, readTlv(der, value.contentStart));
        timeStampingOnly = critical && list.length === 1 && slice(der, list[0]).equals(DER.kpTimeStamping);
      } else if (id.equals(DER.subjectKeyIdentifier)) {
        const o = readTlv(der, value.contentStart);
        ski = Buffer.from(der.subarray(o.contentStart, o.end));
      }
    }
  }
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(x509.subject)?.[1] ?? x509.subject;
  return {
    der,
    x509,
    sha256,
    publicKey: x509.publicKey,
    subject: x509.subject,
    issuer: x509.issuer,
    ca: x509.ca,
    subjectCN: cn,
    issuerAndSerial: seq(slice(der, issuer), slice(der, serial)),
    issuerName: slice(der, issuer),
    serial: slice(der, serial),
    ...(ski ? { ski } : {}),
    notBefore: Date.parse(x509.validFrom),
    notAfter: Date.parse(x509.validTo),
    timeStampingOnly,
  };
}

/** Issued-by checks are native signature verifications: remembered per (child, issuer) pair of certificate hashes. */
const issuedCache = new Map<string, boolean>();
function issuedBy(cert: CertFacts, issuer: CertFacts): boolean {
  if (cert.issuer !== issuer.subject || !issuer.ca) return false;
  const key = `${cert.sha256}|${issuer.sha256}`;
  let ok = issuedCache.get(key);
  if (ok === undefined) {
    try {
      ok = cert.x509.checkIssued(issuer.x509) && cert.x509.verify(issuer.publicKey);
    } catch {
      ok = false;
    }
    if (issuedCache.size >= 256) issuedCache.delete(issuedCache.keys().next().value as string);
    issuedCache.set(key, ok);
  }
  return ok;
}

/** TSA certificate → (intermediates from the token) → anchor; the TSA certificate may itself be an anchor. At most 4 links. */
function buildPath(leaf: CertFacts, pool: CertFacts[], anchors: CertFacts[]): CertFacts[] | undefined {
  if (anchors.some((a) => a.der.equals(leaf.der))) return [leaf];
  const path = [leaf];
  let cur = leaf;
  for (let depth = 0; depth < 4; depth++) {
    const anchor = anchors.find((a) => issuedBy(cur, a));
    if (anchor) return [...path, anchor];
    const next = pool.find((c) => !path.includes(c) && issuedBy(cur, c));
    if (!next) return undefined;
    path.push(next);
    cur = next;
  }
  return undefined;
}
