import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from '../../sign/constants';
import { children, readTlv, slice, type Tlv } from '../../sign/der';
import type { Check } from '../VerificationReport';

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
 * Verify a detached CMS SignedData (RFC 5652) over the signed byte ranges with pkijs for the
 * structure and Node's crypto for hashes and signatures: message digest, signature over
 * the DER signed attributes, signing-certificate-v2 binding (RFC 5035), allowed algorithms
 * and key sizes, the chain to one of the trust anchors, key usage, validity at `at`.
 * Junk never throws: it is FORMAT_FAILURE.
 */
export function verifyCms(args: { cms: Buffer; signedBytes: Buffer[]; trustAnchors: Buffer[]; at: Date }): CmsVerification {
  const checks: Check[] = [];
  const pass = (id: string, detail: string) => checks.push({ id, passed: true, detail });
  let signer: CmsVerification['signer'];
  try {
    // ---- structure
    const der = args.cms;
    const asn = asn1js.fromBER(new Uint8Array(der.buffer, der.byteOffset, der.length));
    if (asn.offset === -1) throw new Fail('FORMAT_FAILURE', 'cms-structure', 'not a DER value');
    if (asn.offset !== der.length) throw new Fail('FORMAT_FAILURE', 'cms-structure', 'bytes after the CMS value');
    const contentInfo = new pkijs.ContentInfo({ schema: asn.result });
    if (contentInfo.contentType !== OID.signedData) throw new Fail('FORMAT_FAILURE', 'cms-structure', `content type ${contentInfo.contentType} is not signedData`);
    const sd = new pkijs.SignedData({ schema: contentInfo.content });
    if (sd.signerInfos.length !== 1) throw new Fail('FORMAT_FAILURE', 'cms-structure', `${sd.signerInfos.length} SignerInfos; exactly one is allowed`);
    if (sd.encapContentInfo.eContentType !== OID.data || sd.encapContentInfo.eContent) throw new Fail('FORMAT_FAILURE', 'cms-structure', 'not a detached signature over id-data');
    const si = sd.signerInfos[0];
    const raw = rawParts(der);
    pass('cms-structure', 'CMS SignedData, detached, one SignerInfo');

    // ---- algorithms
    const digestName = DIGESTS[si.digestAlgorithm.algorithmId];
    if (!digestName) throw new Fail('CRYPTO_CONSTRAINTS_FAILURE', 'cms-algorithms', `digest algorithm ${si.digestAlgorithm.algorithmId} is not accepted`);
    if (!SIGNATURE_ALGORITHMS.has(si.signatureAlgorithm.algorithmId)) throw new Fail('CRYPTO_CONSTRAINTS_FAILURE', 'cms-algorithms', `signature algorithm ${si.signatureAlgorithm.algorithmId} is not accepted`);
    pass('cms-algorithms', `${digestName.toUpperCase()} with ${si.signatureAlgorithm.algorithmId}`);

    // ---- signed attributes and the message digest
    const attrs = si.signedAttrs?.attributes ?? [];
    if (!si.signedAttrs || !raw.signedAttrs) throw new Fail('FORMAT_FAILURE', 'message-digest', 'no signed attributes');
    const one = (type: string) => {
      const found = attrs.filter((a) => a.type === type);
      if (found.length !== 1 || found[0].values.length !== 1) throw new Fail('SIG_CONSTRAINTS_FAILURE', 'signed-attributes', `attribute ${type} must appear exactly once`);
      return found[0].values[0];
    };
    const ct = one(OID.contentType) as asn1js.ObjectIdentifier;
    if (!(ct instanceof asn1js.ObjectIdentifier) || ct.valueBlock.toString() !== OID.data) throw new Fail('SIG_CONSTRAINTS_FAILURE', 'signed-attributes', 'content-type attribute is not id-data');
    const md = one(OID.messageDigest) as asn1js.OctetString;
    const hash = createHash(digestName);
    for (const part of args.signedBytes) hash.update(part);
    const digest = hash.digest();
    if (!(md instanceof asn1js.OctetString) || !Buffer.from(md.valueBlock.valueHexView).equals(digest)) throw new Fail('HASH_FAILURE', 'message-digest', 'the document bytes do not match the signed message digest');
    pass('message-digest', 'the signed byte ranges match the message digest');

    // ---- signer certificate
    const certs = raw.certificates.map((c) => new X509Certificate(c));
    const sid = si.sid;
    let signerCert: X509Certificate | undefined;
    let signerDer: Buffer | undefined;
    if (sid instanceof pkijs.IssuerAndSerialNumber) {
      const serialHex = Buffer.from(sid.serialNumber.valueBlock.valueHexView).toString('hex').replace(/^(00)+(?=.)/, '').toUpperCase();
      const issuerDer = Buffer.from(sid.issuer.toSchema().toBER());
      raw.certificates.forEach((c, i) => {
        if (certs[i].serialNumber.replace(/^0+(?=.)/, '').toUpperCase() === serialHex.replace(/^0+(?=.)/, '') && issuerNameOf(c).equals(issuerDer)) [signerCert, signerDer] = [certs[i], c];
      });
    }
    if (!signerCert || !signerDer) throw new Fail('NO_SIGNING_CERTIFICATE_FOUND', 'signer-certificate', 'the signer certificate is not in the CMS');
    const subject = parseDn(signerCert.subject);
    signer = {
      subjectCN: subject.CN ?? signerCert.subject,
      ...(subject.O ? { organization: subject.O } : {}),
      serialHex: signerCert.serialNumber,
      issuerCN: parseDn(signerCert.issuer).CN ?? signerCert.issuer,
      notBefore: new Date(signerCert.validFrom).toISOString(),
      notAfter: new Date(signerCert.validTo).toISOString(),
      sha256: createHash('sha256').update(signerDer).digest('hex'),
    };
    pass('signer-certificate', `signed by ${signer.subjectCN}`);

    // ---- signing-certificate-v2 binds the signature to that certificate (RFC 5035 §5.4)
    const scv2 = attrs.find((a) => a.type === OID.signingCertificateV2);
    if (!scv2 || !essCertHashMatches(scv2.values[0], signerDer)) throw new Fail('SIG_CONSTRAINTS_FAILURE', 'signing-certificate-v2', 'signing-certificate-v2 missing or not the signer certificate');
    pass('signing-certificate-v2', 'signing-certificate-v2 names the signer certificate');

    // ---- key strength
    const key = signerCert.publicKey;
    const kd = key.asymmetricKeyDetails ?? {};
    const strong = key.asymmetricKeyType === 'rsa' ? (kd.modulusLength ?? 0) >= MIN_RSA_BITS : key.asymmetricKeyType === 'ec' && CURVES.has(kd.namedCurve ?? '');
    if (!strong) throw new Fail('CRYPTO_CONSTRAINTS_FAILURE', 'key-strength', `${key.asymmetricKeyType} ${kd.modulusLength ?? kd.namedCurve ?? ''} is not accepted`);
    pass('key-strength', key.asymmetricKeyType === 'rsa' ? `RSA ${kd.modulusLength}` : `ECDSA ${kd.namedCurve}`);

    // ---- the signature over the DER SET OF signed attributes (RFC 5652 §5.4)
    const signedAttrs = Buffer.from(raw.signedAttrs);
    signedAttrs[0] = 0x31;
    const sig = Buffer.from(si.signature.valueBlock.valueHexView);
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
    const path = buildPath(signerCert, certs, anchors);
    if (!path) throw new Fail('NO_CERTIFICATE_CHAIN_FOUND', 'certificate-chain', `no chain from "${signer.subjectCN}" (issuer "${signer.issuerCN}") to a trusted root`);
    if (!usageAllowsSigning(signerDer)) throw new Fail('SIG_CONSTRAINTS_FAILURE', 'key-usage', 'the signer certificate may not sign documents (key usage)');
    pass('certificate-chain', `chains to ${parseDn(path[path.length - 1].subject).CN ?? 'a trusted root'}`);
    const at = args.at.getTime();
    const outside = path.find((c) => at < Date.parse(c.validFrom) || at > Date.parse(c.validTo));
    if (outside) throw new Fail('OUT_OF_BOUNDS_NO_POE', 'certificate-validity', `${parseDn(outside.subject).CN} was not valid at ${args.at.toISOString()}`);
    pass('certificate-validity', `every certificate valid at ${args.at.toISOString()}`);
    return { ok: true, checks, signer };
  } catch (e) {
    if (e instanceof Fail) {
      checks.push({ id: e.id, passed: false, detail: e.detail });
      return { ok: false, subIndication: e.sub, checks, ...(signer ? { signer } : {}) };
    }
    checks.push({ id: 'cms-structure', passed: false, detail: `unreadable CMS (${(e as Error).message?.slice(0, 80)})` });
    return { ok: false, subIndication: 'FORMAT_FAILURE', checks };
  }
}

/** The exact bytes of the signed attributes ([0] IMPLICIT) and of the certificates, by a DER walk. */
function rawParts(der: Buffer): { signedAttrs?: Buffer; certificates: Buffer[] } {
  const ci = readTlv(der, 0);
  const [, explicit] = children(der, ci);
  const sd = readTlv(der, explicit.contentStart);
  const parts = children(der, sd);
  const certsTlv = parts.find((p) => p.tag === 0xa0);
  const signerInfos = parts[parts.length - 1];
  const [si] = children(der, signerInfos);
  const signedAttrs = children(der, si).find((p: Tlv) => p.tag === 0xa0);
  return {
    ...(signedAttrs ? { signedAttrs: slice(der, signedAttrs) } : {}),
    certificates: certsTlv ? children(der, certsTlv).filter((c) => c.tag === 0x30).map((c) => slice(der, c)) : [],
  };
}

/** The issuer Name (DER) of a certificate. */
function issuerNameOf(cert: Buffer): Buffer {
  const tbs = readTlv(cert, readTlv(cert, 0).contentStart);
  const f = children(cert, tbs);
  return slice(cert, f[0].tag === 0xa0 ? f[3] : f[2]);
}

/** SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { hashAlgorithm DEFAULT sha256, certHash, issuerSerial? } } (RFC 5035 §3). */
function essCertHashMatches(value: unknown, signerDer: Buffer): boolean {
  try {
    const certs = ((value as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence).valueBlock.value;
    const first = (certs[0] as asn1js.Sequence).valueBlock.value;
    let alg: string = OID.sha256;
    let i = 0;
    if (first[0] instanceof asn1js.Sequence) {
      alg = (first[0].valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
      i = 1;
    }
    const hash = first[i];
    const name = DIGESTS[alg];
    return !!name && hash instanceof asn1js.OctetString && Buffer.from(hash.valueBlock.valueHexView).equals(createHash(name).update(signerDer).digest());
  } catch {
    return false;
  }
}

function usageAllowsSigning(certDer: Buffer): boolean {
  const cert = pkijs.Certificate.fromBER(new Uint8Array(certDer));
  const ku = cert.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!ku) return false;
  const bits = (ku.parsedValue as asn1js.BitString).valueBlock.valueHexView[0] ?? 0;
  return (bits & 0x80) !== 0 || (bits & 0x40) !== 0; // digitalSignature | nonRepudiation (RFC 5280 §4.2.1.3)
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
