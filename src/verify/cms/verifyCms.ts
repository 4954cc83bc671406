import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from '../../sign/constants';
import { children, oid, readTlv, seq, slice, type Tlv, oidText } from '../../sign/der';
import type { Check } from '../VerificationReport';
import { checkSignatureAlgorithm } from './checkSignatureAlgorithm';
import { checkSignedAttributes } from './checkSignedAttributes';
import { countCertificates, MAX_CMS_CERTIFICATES } from './countCertificates';
import { assertStrictDer } from './strictDer';
import { TrustedCertificateCache } from './TrustedCertificateCache';

export type CmsSubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'NO_SIGNING_CERTIFICATE_FOUND';

export interface CmsVerification {
  ok: boolean;
  subIndication?: CmsSubIndication;
  checks: Check[];
  signer?: { subjectCN: string; organization?: string; serialHex: string; issuerCN: string; notBefore: string; notAfter: string; sha256: string };
  /**
   * The signature timestamp (PAdES B-T, ETSI EN 319 142-1 §5.3): the TimeStampToken DER of
   * the one unsigned attribute id-aa-signatureTimeStampToken, when present. Not validated
   * here (src/ltv/tsp/verifyTimeStampToken.ts does that, over signatureValue).
   */
  signatureTimestamp?: Buffer;
  /** The SignerInfo's signature value: what the signature timestamp stamps. */
  signatureValue?: Buffer;
}

/** Digest algorithms accepted (ETSI TS 119 312: SHA-1 and MD5 are not). */
const DIGESTS: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
/** Signature algorithms accepted in a SignerInfo (RFC 5754 §3). */
const SIGNATURE_ALGORITHMS = new Set<string>([OID.rsaEncryption, OID.sha256WithRSAEncryption, OID.sha384WithRSAEncryption, OID.sha512WithRSAEncryption, OID.ecdsaWithSHA256, OID.ecdsaWithSHA384, OID.ecdsaWithSHA512]);
const CURVES = new Set(['prime256v1', 'secp384r1']);
const MIN_RSA_BITS = 2048;

class Fail extends Error {
  constructor(
    readonly sub: CmsSubIndication,
    readonly id: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const anchorCache = new WeakMap<Buffer[], X509Certificate[]>();

/**
 * Verify a detached CMS SignedData (RFC 5652) over the signed byte ranges: the structure
 * read strictly element by element (DER), certificates with Node's X509Certificate and
 * pkijs, hashes and signatures with Node's crypto (OpenSSL): message digest, signature over
 * the DER signed attributes, signing-certificate-v2 binding (RFC 5035), allowed algorithms
 * and key sizes, the chain to one of the trust anchors, key usage, validity at `at`.
 * Junk never throws: it is FORMAT_FAILURE.
 */
export function verifyCms(args: { cms: Buffer; signedBytes: Buffer[]; trustAnchors: Buffer[]; at: Date }): CmsVerification {
  const checks: Check[] = [];
  const pass = (id: string, detail: string) => checks.push({ id, passed: true, detail });
  let signer: CmsVerification['signer'];
  try {
    // ---- structure (RFC 5652 §3, §5), read strictly: every element where the ASN.1 puts it
    const der = args.cms;
    // limits before work: count the certificates by their headers, then DER over the whole value
    let certCount: number;
    try {
      certCount = countCertificates(der);
    } catch {
      throw new Fail('FORMAT_FAILURE', 'cms-structure', 'not a DER CMS SignedData');
    }
    if (certCount > MAX_CMS_CERTIFICATES) throw new Fail('FORMAT_FAILURE', 'cms-structure', `more than ${MAX_CMS_CERTIFICATES} certificates in the CMS`);
    try {
      assertStrictDer(der);
    } catch (e) {
      throw new Fail('FORMAT_FAILURE', 'cms-structure', `not DER (${(e as Error).message})`);
    }
    const p = parseSignedData(der);
    const attrProblem = checkSignedAttributes(p.signedAttrs, p.attributes);
    if (attrProblem) throw new Fail('FORMAT_FAILURE', 'signed-attributes', attrProblem);
    pass('cms-structure', 'CMS SignedData, detached, one SignerInfo');

    // ---- algorithms
    const digestName = DIGESTS[p.digestAlgorithm];
    if (!digestName) throw new Fail('CRYPTO_CONSTRAINTS_FAILURE', 'cms-algorithms', `digest algorithm ${p.digestAlgorithm} is not accepted`);
    if (!SIGNATURE_ALGORITHMS.has(p.signatureAlgorithm)) throw new Fail('CRYPTO_CONSTRAINTS_FAILURE', 'cms-algorithms', `signature algorithm ${p.signatureAlgorithm} is not accepted`);
    pass('cms-algorithms', `${digestName.toUpperCase()} with ${p.signatureAlgorithm}`);

    // ---- signed attributes and the message digest
    const one = (type: string): Buffer => {
      const found = p.attributes.filter((a) => a.type === type);
      if (found.length !== 1 || found[0].values.length !== 1) throw new Fail('SIG_CONSTRAINTS_FAILURE', 'signed-attributes', `attribute ${type} must appear exactly once`);
      return found[0].values[0];
    };
    const ct = one(OID.contentType);
    if (!ct.equals(oid(OID.data))) throw new Fail('SIG_CONSTRAINTS_FAILURE', 'signed-attributes', 'content-type attribute is not id-data');
    const md = one(OID.messageDigest);
    const hash = createHash(digestName);
    for (const part of args.signedBytes) hash.update(part);
    const digest = hash.digest();
    if (md[0] !== 0x04 || !md.subarray(readTlv(md, 0).contentStart).equals(digest)) throw new Fail('HASH_FAILURE', 'message-digest', 'the document bytes do not match the signed message digest');
    pass('message-digest', 'the signed byte ranges match the message digest');

    // ---- signer certificate: the one whose issuer and serial number the SignerInfo names
    const infos = p.certificates.map(certInfo);
    const found = infos.find((c) => c.issuerAndSerial.equals(p.sid));
    if (!found) throw new Fail('NO_SIGNING_CERTIFICATE_FOUND', 'signer-certificate', 'the signer certificate is not in the CMS');
    const signerCert = found.x509;
    const signerDer = found.der;
    const subject = parseDn(signerCert.subject);
    signer = {
      subjectCN: subject.CN ?? signerCert.subject,
      ...(subject.O ? { organization: subject.O } : {}),
      serialHex: signerCert.serialNumber,
      issuerCN: parseDn(signerCert.issuer).CN ?? signerCert.issuer,
      notBefore: new Date(signerCert.validFrom).toISOString(),
      notAfter: new Date(signerCert.validTo).toISOString(),
      sha256: found.sha256,
    };
    pass('signer-certificate', `signed by ${signer.subjectCN}`);

    // ---- signing-certificate-v2 binds the signature to that certificate (RFC 5035 §5.4)
    const scv2 = p.attributes.filter((a) => a.type === OID.signingCertificateV2);
    if (scv2.length !== 1 || !essCertHashMatches(scv2[0].values[0], signerDer)) throw new Fail('SIG_CONSTRAINTS_FAILURE', 'signing-certificate-v2', 'signing-certificate-v2 missing or not the signer certificate');
    pass('signing-certificate-v2', 'signing-certificate-v2 names the signer certificate');

    // ---- key strength
    const key = signerCert.publicKey;
    const kd = key.asymmetricKeyDetails ?? {};
    const strong = key.asymmetricKeyType === 'rsa' ? (kd.modulusLength ?? 0) >= MIN_RSA_BITS : key.asymmetricKeyType === 'ec' && CURVES.has(kd.namedCurve ?? '');
    if (!strong) throw new Fail('CRYPTO_CONSTRAINTS_FAILURE', 'key-strength', `${key.asymmetricKeyType} ${kd.modulusLength ?? kd.namedCurve ?? ''} is not accepted`);
    const algProblem = checkSignatureAlgorithm({ keyType: key.asymmetricKeyType, digestName, digestAlgorithm: p.digestAlgorithmDer, signatureAlgorithm: p.signatureAlgorithmDer });
    if (algProblem) throw new Fail('CRYPTO_CONSTRAINTS_FAILURE', 'cms-algorithms', algProblem);
    pass('key-strength', key.asymmetricKeyType === 'rsa' ? `RSA ${kd.modulusLength}` : `ECDSA ${kd.namedCurve}`);

    // ---- the signature over the DER SET OF signed attributes (RFC 5652 §5.4)
    const signedAttrs = Buffer.from(p.signedAttrs);
    signedAttrs[0] = 0x31; // signed over the DER SET OF, not the [0] IMPLICIT tag
    const sig = p.signature;
    let valid = false;
    try {
      valid = verifySignature(digestName, signedAttrs, { key, dsaEncoding: 'der' }, sig);
    } catch {
      valid = false;
    }
    if (!valid) throw new Fail('SIG_CRYPTO_FAILURE', 'signature', 'the signature does not verify with the signer’s key');
    pass('signature', 'the signature verifies');

    // ---- chain to a trust anchor, key usage, validity at signing time
    const anchors = anchorsOf(args.trustAnchors);
    const path = buildPath(signerCert, infos.map((c) => c.x509), anchors);
    if (!path) throw new Fail('NO_CERTIFICATE_CHAIN_FOUND', 'certificate-chain', `no chain from "${signer.subjectCN}" (issuer "${signer.issuerCN}") to a trusted root`);
    for (const c of infos) if (path.includes(c.x509)) rememberTrusted(c);
    if (!found.usageAllowsSigning) throw new Fail('SIG_CONSTRAINTS_FAILURE', 'key-usage', 'the signer certificate may not sign documents (key usage)');
    pass('certificate-chain', `chains to ${parseDn(path[path.length - 1].subject).CN ?? 'a trusted root'}`);
    const at = args.at.getTime();
    const outside = path.find((c) => at < Date.parse(c.validFrom) || at > Date.parse(c.validTo));
    if (outside) throw new Fail('OUT_OF_BOUNDS_NO_POE', 'certificate-validity', `${parseDn(outside.subject).CN} was not valid at ${args.at.toISOString()}`);
    pass('certificate-validity', `every certificate valid at ${args.at.toISOString()}`);
    return { ok: true, checks, signer, signatureValue: Buffer.from(p.signature), ...(p.signatureTimestamp ? { signatureTimestamp: p.signatureTimestamp } : {}) };
  } catch (e) {
    if (e instanceof Fail) {
      checks.push({ id: e.id, passed: false, detail: e.detail });
      return { ok: false, subIndication: e.sub, checks, ...(signer ? { signer } : {}) };
    }
    checks.push({ id: 'cms-structure', passed: false, detail: `unreadable CMS (${(e as Error).message?.slice(0, 80)})` });
    return { ok: false, subIndication: 'FORMAT_FAILURE', checks };
  }
}

interface ParsedSignedData {
  digestAlgorithm: string;
  signatureAlgorithm: string;
  /** The SignerInfo's AlgorithmIdentifiers as in the file (DER). */
  digestAlgorithmDer: Buffer;
  signatureAlgorithmDer: Buffer;
  /** DER of the SignerInfo's IssuerAndSerialNumber. */
  sid: Buffer;
  /** The signed attributes as they are in the file, with their [0] tag. */
  signedAttrs: Buffer;
  attributes: Array<{ type: string; values: Buffer[] }>;
  signature: Buffer;
  certificates: Buffer[];
  signatureTimestamp?: Buffer;
}

/**
 * ContentInfo { id-signedData, [0] SignedData { version, digestAlgorithms, encapContentInfo,
 * [0] certificates?, [1] crls?, signerInfos } } and its one SignerInfo { version,
 * issuerAndSerialNumber, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature,
 * [1] unsignedAttrs? }: read element by element, any other shape is FORMAT_FAILURE.
 */
function parseSignedData(der: Buffer): ParsedSignedData {
  const bad = (what: string) => new Fail('FORMAT_FAILURE', 'cms-structure', what);
  const expect = (t: Tlv | undefined, tag: number, what: string): Tlv => {
    if (!t || t.tag !== tag) throw bad(`${what} expected`);
    return t;
  };
  let ci: Tlv;
  try {
    ci = readTlv(der, 0);
  } catch {
    throw bad('not a DER value');
  }
  if (ci.tag !== 0x30) throw bad('not a DER SEQUENCE');
  if (ci.end !== der.length) throw bad('bytes after the CMS value');
  const [ct, explicit, ...restCi] = children(der, ci);
  if (restCi.length || !ct || !slice(der, expect(ct, 0x06, 'content type')).equals(oid(OID.signedData))) throw bad('content type is not signedData');
  const sdTlvs = children(der, expect(explicit, 0xa0, '[0] content'));
  if (sdTlvs.length !== 1) throw bad('one SignedData expected');
  const parts = children(der, expect(sdTlvs[0], 0x30, 'SignedData'));
  let i = 0;
  const version = expect(parts[i++], 0x02, 'version');
  // RFC 5652 §5.1: version 1 for id-data content, issuerAndSerialNumber signers and X.509 certificates only
  if (!slice(der, version).equals(Buffer.from([2, 1, 1]))) throw bad('unsupported SignedData version');
  const digestAlgs = children(der, expect(parts[i++], 0x31, 'digestAlgorithms'));
  const encap = children(der, expect(parts[i++], 0x30, 'encapContentInfo'));
  if (encap.length !== 1 || !slice(der, expect(encap[0], 0x06, 'eContentType')).equals(oid(OID.data))) throw bad('not a detached signature over id-data');
  let certificates: Buffer[] = [];
  if (parts[i]?.tag === 0xa0) certificates = children(der, parts[i++]).map((c) => slice(der, expect(c, 0x30, 'certificate')));
  if (parts[i]?.tag === 0xa1) throw bad('CRLs inside the SignedData are not one of our shapes'); // RFC 5652 §5.1 crls: refused, never skipped unread
  const signerInfos = children(der, expect(parts[i++], 0x31, 'signerInfos'));
  if (i !== parts.length) throw bad('unexpected element in SignedData');
  if (signerInfos.length !== 1) throw new Fail('FORMAT_FAILURE', 'cms-structure', `${signerInfos.length} SignerInfos; exactly one is allowed`);
  const si = children(der, expect(signerInfos[0], 0x30, 'SignerInfo'));
  let j = 0;
  // RFC 5652 §5.3: version 1 with issuerAndSerialNumber
  if (!slice(der, expect(si[j++], 0x02, 'SignerInfo version')).equals(Buffer.from([2, 1, 1]))) throw bad('unsupported SignerInfo version');
  const sid = slice(der, expect(si[j++], 0x30, 'issuerAndSerialNumber'));
  const digestAlgTlv = expect(si[j++], 0x30, 'digestAlgorithm');
  const digestAlgorithm = algorithmOf(der, digestAlgTlv);
  if (!digestAlgs.some((a) => algorithmOf(der, a) === digestAlgorithm)) throw bad('digest algorithm not listed in digestAlgorithms');
  const attrsTlv = expect(si[j++], 0xa0, 'signed attributes');
  const attributes = children(der, attrsTlv).map((a) => {
    const [type, values, ...more] = children(der, expect(a, 0x30, 'attribute'));
    if (more.length) throw bad('malformed attribute');
    return { type: oidText(slice(der, expect(type, 0x06, 'attribute type'))), values: children(der, expect(values, 0x31, 'attribute values')).map((v) => slice(der, v)) };
  });
  const sigAlgTlv = expect(si[j++], 0x30, 'signatureAlgorithm');
  const signatureAlgorithm = algorithmOf(der, sigAlgTlv);
  const sigTlv = expect(si[j++], 0x04, 'signature');
  let signatureTimestamp: Buffer | undefined;
  if (si[j]?.tag === 0xa1) signatureTimestamp = signatureTimestampAttribute(der, si[j++], bad);
  if (j !== si.length) throw bad('unexpected element in SignerInfo');
  return { digestAlgorithm, signatureAlgorithm, digestAlgorithmDer: slice(der, digestAlgTlv), signatureAlgorithmDer: slice(der, sigAlgTlv), sid, signedAttrs: slice(der, attrsTlv), attributes, signature: der.subarray(sigTlv.contentStart, sigTlv.end), certificates, ...(signatureTimestamp ? { signatureTimestamp } : {}) };
}

/**
 * [1] IMPLICIT SET OF Attribute (RFC 5652 §5.3), of exactly one shape: one attribute,
 * id-aa-signatureTimeStampToken (RFC 3161 Appendix A; PAdES B-T, ETSI EN 319 142-1 §5.3),
 * with one value that is a SEQUENCE (a ContentInfo). Any other unsigned attribute, a second
 * one, or a second value is FORMAT_FAILURE: nothing unsigned is skipped unread.
 */
function signatureTimestampAttribute(der: Buffer, set: Tlv, bad: (what: string) => Fail): Buffer {
  const attrs = children(der, set);
  if (attrs.length !== 1) throw bad(`${attrs.length} unsigned attributes; only one signature timestamp is allowed`);
  if (attrs[0].tag !== 0x30) throw bad('attribute expected');
  const [type, values, ...more] = children(der, attrs[0]);
  if (more.length || type?.tag !== 0x06 || values?.tag !== 0x31) throw bad('malformed unsigned attribute');
  if (!slice(der, type).equals(oid(OID.signatureTimeStampToken))) throw bad('unsigned attribute other than id-aa-signatureTimeStampToken');
  const vals = children(der, values);
  if (vals.length !== 1 || vals[0].tag !== 0x30) throw bad('the signature timestamp attribute must hold exactly one TimeStampToken');
  return Buffer.from(slice(der, vals[0]));
}

function algorithmOf(der: Buffer, alg: Tlv): string {
  const [id] = children(der, alg);
  if (!id || id.tag !== 0x06) throw new Fail('FORMAT_FAILURE', 'cms-structure', 'algorithm identifier expected');
  return oidText(slice(der, id));
}


interface CertInfo {
  der: Buffer;
  x509: X509Certificate;
  sha256: string;
  issuerAndSerial: Buffer;
  usageAllowsSigning: boolean;
}

/**
 * Parsed facts of a certificate. Only certificates that chained to a trust anchor are kept
 * across calls (seal certificates repeat across documents): keyed by SHA-256, as copies, at
 * most 64 (TrustedCertificateCache); anything else an upload carries is parsed for this
 * call only and dropped with it.
 */
const trustedCache = new TrustedCertificateCache<CertInfo>(64);
function certInfo(der: Buffer): CertInfo {
  const sha256 = createHash('sha256').update(der).digest('hex');
  return trustedCache.get(sha256) ?? parseCertInfo(der, sha256);
}
function parseCertInfo(der: Buffer, sha256: string): CertInfo {
  const x509 = new X509Certificate(der);
  const tbs = readTlv(der, readTlv(der, 0).contentStart);
  const f = children(der, tbs);
  const [serial, issuer] = f[0].tag === 0xa0 ? [f[1], f[3]] : [f[0], f[2]];
  return { der, x509, sha256, issuerAndSerial: seq(slice(der, issuer), slice(der, serial)), usageAllowsSigning: usageAllowsSigning(der) };
}
function rememberTrusted(c: CertInfo): void {
  trustedCache.remember(c.sha256, c.der, (copy) => parseCertInfo(copy, c.sha256));
}
/** Certificates kept by the trusted cache (tests of the memory rule). */
export function trustedCertificatesCached(): number {
  return trustedCache.size;
}

/** SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { hashAlgorithm DEFAULT sha256, certHash, issuerSerial? } } (RFC 5035 §3). */
function essCertHashMatches(value: Buffer, signerDer: Buffer): boolean {
  try {
    const [certs] = children(value, readTlv(value, 0));
    const [first] = children(value, certs);
    const fields = children(value, first);
    let alg: string = OID.sha256;
    let k = 0;
    if (fields[0].tag === 0x30) {
      alg = algorithmOf(value, fields[0]);
      k = 1;
    }
    const name = DIGESTS[alg];
    const hash = fields[k];
    return !!name && hash.tag === 0x04 && value.subarray(hash.contentStart, hash.end).equals(createHash(name).update(signerDer).digest());
  } catch {
    return false;
  }
}

/** keyUsage has digitalSignature or nonRepudiation (RFC 5280 §4.2.1.3), parsed with pkijs. */
function usageAllowsSigning(certDer: Buffer): boolean {
  const cert = pkijs.Certificate.fromBER(new Uint8Array(certDer));
  const ku = cert.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!ku) return false;
  const bits = (ku.parsedValue as asn1js.BitString).valueBlock.valueHexView[0] ?? 0;
  return (bits & 0x80) !== 0 || (bits & 0x40) !== 0;
}

function anchorsOf(list: Buffer[]): X509Certificate[] {
  let a = anchorCache.get(list);
  if (!a) {
    a = list.map((d) => new X509Certificate(d));
    anchorCache.set(list, a);
  }
  return a;
}

/** signer → (intermediates from the CMS) → anchor, each signature verified natively; at most 4 links. */
function buildPath(leaf: X509Certificate, pool: X509Certificate[], anchors: X509Certificate[]): X509Certificate[] | undefined {
  const path = [leaf];
  let cur = leaf;
  for (let depth = 0; depth < 4; depth++) {
    const anchor = anchors.find((a) => a.subject === cur.issuer && a.ca && safeVerify(cur, a));
    if (anchor) return [...path, anchor];
    const next = pool.find((c) => c !== cur && !path.includes(c) && c.subject === cur.issuer && c.ca && safeVerify(cur, c));
    if (!next) return undefined;
    path.push(next);
    cur = next;
  }
  return undefined;
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function parseDn(dn: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of dn.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}
