import { createHash } from 'node:crypto';
import { OID } from '../../sign/constants';
import { children, readOid, readTlv, slice, type Tlv } from '../../sign/der';
import { bitStringBytes, certFields, extendedKeyUsage, HASH_BY_OID, issuedBy, readTime, verifyWithAlgorithm } from './certFields';
import type { RevocationData } from './RevocationData';

export interface RevocationCheck {
  id: string;
  passed: boolean;
  detail: string;
}

export interface RevocationResult {
  /**
   * What the data says of `cert` at `at`: 'revoked' when a valid source gives a revocation
   * time at or before `at`; 'good' when a valid source issued at or after `at` (or current at
   * `at`) does not list it as revoked by then; 'unknown' when no source qualifies.
   */
  status: 'good' | 'revoked' | 'unknown';
  /** The revocation time, also when it is after `at` (status 'good': revoked later, ETSI EN 319 102-1 §5.2.5). */
  revokedAt?: Date;
  source?: 'ocsp' | 'crl';
  /** producedAt of the OCSP response, thisUpdate of the CRL, that decided. */
  producedAt?: Date;
  checks: RevocationCheck[];
}

/** RFC 6960 §4.2.1 id-pkix-ocsp-basic; §5.2.3 deltaCRLIndicator and §5.2.5 issuingDistributionPoint of RFC 5280. */
const DELTA_CRL_INDICATOR = '2.5.29.27';
const ISSUING_DISTRIBUTION_POINT = '2.5.29.28';

interface SourceVerdict {
  source: 'ocsp' | 'crl';
  producedAt: Date;
  /** revocation time, or undefined = not revoked as of the source's thisUpdate */
  revokedAt?: Date;
  /** the source speaks for `at` (issued after it, or current at it) */
  fresh: boolean;
}

const iso = (d: Date) => d.toISOString();
/** Strict DER shape: each element where the ASN.1 module puts it, with its tag (RFC 6960 §4.2.1, RFC 5280 §5.1). */
function want(t: Tlv | undefined, tags: number[], what: string): Tlv {
  if (!t || !tags.includes(t.tag)) throw new RangeError(`${what}: unexpected ${t ? `tag 0x${t.tag.toString(16)}` : 'end'}`);
  return t;
}
const content = (b: Buffer, t: Tlv) => b.subarray(t.contentStart, t.end);

/**
 * The verifier's check of revocation data for `cert` issued by `issuer` (RFC 6960 §3.2 for
 * OCSP, RFC 5280 §6.3 for CRLs), with node:crypto for every signature:
 *  - OCSP: a successful id-pkix-ocsp-basic response signed by the issuer, or by a responder
 *    certificate the issuer signed with id-kp-OCSPSigning (§4.2.2.2) valid at producedAt; the
 *    ResponderID names the signer; a SingleResponse whose CertID (SHA-1 or SHA-256 …) is
 *    this certificate's;
 *  - CRL: complete (no delta or partitioned CRL), named and signed by the issuer;
 *  - freshness for `at`: thisUpdate ≥ at (a status given after the time of interest), or
 *    thisUpdate ≤ at ≤ nextUpdate. A revocation at or before `at` decides whatever the
 *    freshness (revocation is final, RFC 5280 §3.3).
 * Malformed or foreign data gives failed checks and, when nothing else qualifies, 'unknown'.
 */
export function checkRevocation(args: { cert: Buffer; issuer: Buffer; data: RevocationData; at: Date }): RevocationResult {
  const { cert, issuer, data, at } = args;
  const checks: RevocationCheck[] = [];
  const verdicts: SourceVerdict[] = [];
  try {
    certFields(cert);
    certFields(issuer);
  } catch (e) {
    checks.push({ id: 'revocation.certificate', passed: false, detail: `the certificate or its issuer cannot be parsed (RFC 5280 §4.1): ${(e as Error).message}` });
    return { status: 'unknown', checks };
  }
  data.ocsps.forEach((der, i) => {
    const label = data.ocsps.length > 1 ? `OCSP response ${i + 1}` : 'OCSP response';
    try {
      const v = checkOcsp(der, cert, issuer, at, label, checks);
      if (v) verdicts.push(v);
    } catch (e) {
      checks.push({ id: 'ocsp.parse', passed: false, detail: `${label}: not a DER OCSPResponse (RFC 6960 §4.2.1): ${(e as Error).message}` });
    }
  });
  data.crls.forEach((der, i) => {
    const label = data.crls.length > 1 ? `CRL ${i + 1}` : 'CRL';
    try {
      const v = checkCrl(der, cert, issuer, at, label, checks);
      if (v) verdicts.push(v);
    } catch (e) {
      checks.push({ id: 'crl.parse', passed: false, detail: `${label}: not a DER CertificateList (RFC 5280 §5.1): ${(e as Error).message}` });
    }
  });
  const revoked = verdicts.filter((v) => v.revokedAt && v.revokedAt.getTime() <= at.getTime()).sort((a, b) => a.revokedAt!.getTime() - b.revokedAt!.getTime());
  if (revoked.length) {
    const v = revoked[0];
    return { status: 'revoked', revokedAt: v.revokedAt, source: v.source, producedAt: v.producedAt, checks };
  }
  // prefer OCSP, then the newest
  const good = verdicts.filter((v) => v.fresh).sort((a, b) => (a.source === b.source ? b.producedAt.getTime() - a.producedAt.getTime() : a.source === 'ocsp' ? -1 : 1));
  if (good.length) {
    const v = good[0];
    return { status: 'good', ...(v.revokedAt ? { revokedAt: v.revokedAt } : {}), source: v.source, producedAt: v.producedAt, checks };
  }
  if (!data.ocsps.length && !data.crls.length) checks.push({ id: 'revocation.data', passed: false, detail: 'no OCSP response and no CRL' });
  return { status: 'unknown', checks };
}

function freshness(thisUpdate: Date, nextUpdate: Date | undefined, at: Date): boolean {
  return thisUpdate.getTime() >= at.getTime() || (thisUpdate.getTime() <= at.getTime() && !!nextUpdate && at.getTime() <= nextUpdate.getTime());
}

function checkOcsp(der: Buffer, cert: Buffer, issuer: Buffer, at: Date, label: string, checks: RevocationCheck[]): SourceVerdict | undefined {
  const top = readTlv(der, 0);
  if (top.tag !== 0x30 || top.end !== der.length) throw new RangeError('not one SEQUENCE');
  const topParts = children(der, top);
  if (topParts.length > 2) throw new RangeError('OCSPResponse: extra elements');
  const [statusT, bytesT] = topParts;
  want(statusT, [0x0a], 'responseStatus');
  if (statusT.end - statusT.contentStart !== 1) throw new RangeError('responseStatus: one octet');
  const status = der[statusT.contentStart];
  if (status !== 0 || !bytesT) {
    checks.push({ id: 'ocsp.status', passed: false, detail: `${label}: responseStatus ${status} (RFC 6960 §4.2.1: 0 = successful)` });
    return undefined;
  }
  want(bytesT, [0xa0], 'responseBytes');
  const rbParts = children(der, bytesT);
  if (rbParts.length !== 1) throw new RangeError('responseBytes: one element');
  const rb = children(der, want(rbParts[0], [0x30], 'ResponseBytes'));
  if (rb.length !== 2) throw new RangeError('ResponseBytes: two elements');
  const [typeT, basicWrapT] = rb;
  want(basicWrapT, [0x04], 'response');
  if (readOid(der, typeT) !== OID.idPkixOcspBasic) {
    checks.push({ id: 'ocsp.status', passed: false, detail: `${label}: responseType is not id-pkix-ocsp-basic` });
    return undefined;
  }
  const basic = content(der, basicWrapT);
  const basicT = want(readTlv(basic, 0), [0x30], 'BasicOCSPResponse');
  if (basicT.end !== basic.length) throw new RangeError('BasicOCSPResponse: trailing bytes');
  const basicParts = children(basic, basicT);
  if (basicParts.length < 3 || basicParts.length > 4) throw new RangeError('BasicOCSPResponse: element count');
  const [rdT, algT, sigT, certsWrap] = basicParts;
  want(rdT, [0x30], 'tbsResponseData');
  want(algT, [0x30], 'signatureAlgorithm');
  want(sigT, [0x03], 'signature');
  if (certsWrap) want(certsWrap, [0xa0], 'certs');
  let rd = children(basic, rdT);
  if (rd[0]?.tag === 0xa0) rd = rd.slice(1); // version [0] EXPLICIT, v1 default
  const [responderT, producedT, responsesT] = rd;
  want(responderT, [0xa1, 0xa2], 'responderID');
  want(producedT, [0x18], 'producedAt');
  want(responsesT, [0x30], 'responses');
  const producedAt = readTime(basic, producedT);
  const signature = bitStringBytes(basic, sigT);
  const tbs = slice(basic, rdT);

  // ResponderID: byName [1] Name, byKey [2] KeyHash (SHA-1 of the key bits), RFC 6960 §4.2.1
  const responderMatches = (signer: Buffer) => {
    const f = certFields(signer);
    const inner = children(basic, responderT)[0];
    if (responderT.tag === 0xa1) return slice(basic, inner).equals(f.subjectName);
    if (responderT.tag === 0xa2) return content(basic, inner).equals(createHash('sha1').update(f.keyBits).digest());
    return false;
  };
  const included = certsWrap?.tag === 0xa0 ? children(basic, children(basic, certsWrap)[0]).map((t) => Buffer.from(slice(basic, t))) : [];
  let signer: string | undefined;
  if (responderMatches(issuer) && verifyWithAlgorithm(basic, algT, tbs, signature, certFields(issuer).publicKey)) signer = 'the issuing CA';
  else
    for (const c of included) {
      if (!responderMatches(c)) continue;
      const f = certFields(c);
      const why = !issuedBy(c, issuer)
        ? 'not issued by the certificate’s issuer'
        : !extendedKeyUsage(c).includes(OID.idKpOcspSigning)
          ? 'lacks id-kp-OCSPSigning'
          : producedAt < f.notBefore || producedAt > f.notAfter
            ? `not valid at producedAt ${iso(producedAt)}`
            : !verifyWithAlgorithm(basic, algT, tbs, signature, f.publicKey)
              ? 'signature does not verify'
              : undefined;
      if (!why) {
        signer = 'a responder certificate delegated by the issuing CA (id-kp-OCSPSigning)';
        break;
      }
      checks.push({ id: 'ocsp.responder', passed: false, detail: `${label}: included responder certificate ${why} (RFC 6960 §4.2.2.2)` });
    }
  checks.push({ id: 'ocsp.signature', passed: !!signer, detail: signer ? `${label}: signed by ${signer}` : `${label}: not signed by the issuing CA nor by a responder it authorised (RFC 6960 §4.2.2.2)` });
  if (!signer) return undefined;

  const c = certFields(cert);
  const i = certFields(issuer);
  for (const sr of children(basic, responsesT)) {
    const [idT, statusT2, thisT, ...rest] = children(basic, want(sr, [0x30], 'SingleResponse'));
    want(idT, [0x30], 'certID');
    want(statusT2, [0x80, 0xa1, 0x82], 'certStatus');
    want(thisT, [0x18], 'thisUpdate');
    const [algIdT, nameT, keyT, serialT] = children(basic, idT);
    want(algIdT, [0x30], 'hashAlgorithm');
    want(nameT, [0x04], 'issuerNameHash');
    want(keyT, [0x04], 'issuerKeyHash');
    want(serialT, [0x02], 'serialNumber');
    const hash = HASH_BY_OID[readOid(basic, children(basic, algIdT)[0])];
    if (!hash || !content(basic, serialT).equals(c.serial)) continue;
    if (!content(basic, nameT).equals(createHash(hash).update(i.subjectName).digest()) || !content(basic, keyT).equals(createHash(hash).update(i.keyBits).digest())) continue;
    const thisUpdate = readTime(basic, thisT);
    const nextT = rest.find((t) => t.tag === 0xa0);
    const nextUpdate = nextT ? readTime(basic, children(basic, nextT)[0]) : undefined;
    const fresh = freshness(thisUpdate, nextUpdate, at);
    checks.push({ id: 'ocsp.certId', passed: true, detail: `${label}: CertID (${hash}) names this certificate, serial ${c.serial.toString('hex')}` });
    let revokedAt: Date | undefined;
    let said: string;
    if (statusT2.tag === 0x80) said = 'good';
    else if (statusT2.tag === 0xa1) {
      revokedAt = readTime(basic, children(basic, statusT2)[0]);
      said = `revoked at ${iso(revokedAt)}`;
    } else said = 'unknown';
    const decisive = revokedAt ? revokedAt.getTime() <= at.getTime() || fresh : fresh && said === 'good';
    checks.push({
      id: 'ocsp.time',
      passed: decisive,
      detail: `${label}: ${said}; producedAt ${iso(producedAt)}, thisUpdate ${iso(thisUpdate)}, nextUpdate ${nextUpdate ? iso(nextUpdate) : 'none'}; ${fresh ? 'speaks for' : 'does not speak for'} ${iso(at)}`,
    });
    if (said === 'unknown') {
      checks.push({ id: 'ocsp.certStatus', passed: false, detail: `${label}: the responder does not know this certificate` });
      return undefined;
    }
    return { source: 'ocsp', producedAt, revokedAt, fresh };
  }
  checks.push({ id: 'ocsp.certId', passed: false, detail: `${label}: no SingleResponse for this certificate (CertID of issuer and serial ${c.serial.toString('hex')})` });
  return undefined;
}

function checkCrl(der: Buffer, cert: Buffer, issuer: Buffer, at: Date, label: string, checks: RevocationCheck[]): SourceVerdict | undefined {
  const top = readTlv(der, 0);
  if (top.tag !== 0x30 || top.end !== der.length) throw new RangeError('not one SEQUENCE');
  const topParts = children(der, top);
  if (topParts.length !== 3) throw new RangeError('CertificateList: three elements');
  const [tbsT, algT, sigT] = topParts;
  want(tbsT, [0x30], 'tbsCertList');
  want(algT, [0x30], 'signatureAlgorithm');
  want(sigT, [0x03], 'signatureValue');
  let parts = children(der, tbsT);
  if (parts[0]?.tag === 0x02) parts = parts.slice(1); // version v2
  const [innerAlgT, nameT, thisT, ...rest] = parts;
  want(innerAlgT, [0x30], 'signature');
  want(nameT, [0x30], 'issuer');
  want(thisT, [0x17, 0x18], 'thisUpdate');
  // RFC 5280 §5.1.1.2: signatureAlgorithm MUST equal tbsCertList.signature
  if (!slice(der, innerAlgT).equals(slice(der, algT))) throw new RangeError('signatureAlgorithm differs from tbsCertList.signature');
  const i = certFields(issuer);
  if (!slice(der, nameT).equals(i.subjectName)) {
    checks.push({ id: 'crl.issuer', passed: false, detail: `${label}: issued by another CA than the certificate’s issuer (RFC 5280 §6.3.3 b)` });
    return undefined;
  }
  const okSig = verifyWithAlgorithm(der, algT, slice(der, tbsT), bitStringBytes(der, sigT), i.publicKey);
  checks.push({ id: 'crl.signature', passed: okSig, detail: okSig ? `${label}: signed by the issuing CA` : `${label}: signature does not verify under the issuer’s key (RFC 5280 §6.3.3 f)` });
  if (!okSig) return undefined;
  const thisUpdate = readTime(der, thisT);
  let k = 0;
  const nextUpdate = rest[0] && (rest[0].tag === 0x17 || rest[0].tag === 0x18) ? readTime(der, rest[k++]) : undefined;
  const revokedT = rest[k]?.tag === 0x30 ? rest[k++] : undefined;
  const extsWrap = rest[k]?.tag === 0xa0 ? rest[k] : undefined;
  if (extsWrap)
    for (const e of children(der, children(der, extsWrap)[0])) {
      const id = readOid(der, children(der, e)[0]);
      if (id === DELTA_CRL_INDICATOR || id === ISSUING_DISTRIBUTION_POINT) {
        checks.push({ id: 'crl.scope', passed: false, detail: `${label}: a delta or partitioned CRL (${id}); a complete CRL is needed (RFC 5280 §5.2.4-5)` });
        return undefined;
      }
    }
  const c = certFields(cert);
  let revokedAt: Date | undefined;
  if (revokedT)
    for (const entry of children(der, revokedT)) {
      const [serialT, dateT] = children(der, want(entry, [0x30], 'revokedCertificates entry'));
      want(serialT, [0x02], 'userCertificate');
      want(dateT, [0x17, 0x18], 'revocationDate');
      if (content(der, serialT).equals(c.serial)) {
        revokedAt = readTime(der, dateT);
        break;
      }
    }
  const fresh = freshness(thisUpdate, nextUpdate, at);
  checks.push({
    id: 'crl.time',
    passed: revokedAt ? true : fresh,
    detail: `${label}: ${revokedAt ? `lists serial ${c.serial.toString('hex')} revoked at ${iso(revokedAt)}` : `does not list serial ${c.serial.toString('hex')}`}; thisUpdate ${iso(thisUpdate)}, nextUpdate ${nextUpdate ? iso(nextUpdate) : 'none'}; ${fresh ? 'speaks for' : 'does not speak for'} ${iso(at)}`,
  });
  return { source: 'crl', producedAt: thisUpdate, revokedAt, fresh };
}

/**
 * The nonce of a successful basic OCSP response (responseExtensions id-pkix-ocsp-nonce,
 * RFC 6960 §4.4.1 / RFC 8954 §2.1): the extnValue contents, as a request puts them; undefined
 * when absent, malformed or not a basic response.
 */
export function ocspResponseNonce(der: Buffer): Buffer | undefined {
  try {
    return readResponseNonce(der);
  } catch {
    return undefined;
  }
}

function readResponseNonce(der: Buffer): Buffer | undefined {
  const [statusT, bytesT] = children(der, readTlv(der, 0));
  if (statusT?.tag !== 0x0a || der[statusT.contentStart] !== 0 || !bytesT) return undefined;
  const [typeT, basicWrapT] = children(der, children(der, bytesT)[0]);
  if (readOid(der, typeT) !== OID.idPkixOcspBasic) return undefined;
  const basic = content(der, basicWrapT);
  const rd = children(basic, children(basic, readTlv(basic, 0))[0]);
  // ResponseData { version [0]?, responderID ([1] byName | [2] byKey), producedAt, responses, responseExtensions [1]? }
  const produced = rd.findIndex((t) => t.tag === 0x18);
  const extsWrap = produced >= 0 ? rd[produced + 2] : undefined;
  if (extsWrap?.tag !== 0xa1) return undefined;
  for (const e of children(basic, children(basic, extsWrap)[0])) {
    const p = children(basic, e);
    if (readOid(basic, p[0]) === OID.idPkixOcspNonce) return Buffer.from(content(basic, p[p.length - 1]));
  }
  return undefined;
}
