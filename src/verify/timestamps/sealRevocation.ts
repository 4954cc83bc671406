import { X509Certificate } from 'node:crypto';
import { checkRevocation, type RevocationData } from '../../ltv/revocation';
import { validationCertificates } from '../../ltv/validationCertificates';
import { cmsCertificates } from '../cms/countCertificates';
import type { Check } from '../VerificationReport';

/**
 * What the document's validation data (/DSS, issue 14) says of the seal certificate, judged at
 * the proven signature time (ETSI EN 319 102-1 §5.6.2.1: a revocation after the proof of
 * existence does not invalidate the signature). No data for it is reported, not failed: the
 * registry and keys/compromised.json remain the authority (src/verify/verifyPdf.ts).
 */
export function sealRevocation(
  sealCms: Buffer,
  signerSha256: string,
  dss: RevocationData & { certs: Buffer[] },
  trustAnchors: Buffer[],
  /** The proven time of the signature (its signature timestamp, else the first document timestamp). */
  signatureTime: Date,
): { revokedBefore: boolean; checks: Check[] } {
  const certs = cmsCertificates(sealCms);
  const seal = certs.find((c) => new X509Certificate(c).fingerprint256.replace(/:/g, '').toLowerCase() === signerSha256.toLowerCase());
  const link = seal && validationCertificates([seal], [...certs, ...dss.certs, ...trustAnchors]).find((l) => l.cert.equals(seal));
  if (!link?.issuer) return { revokedBefore: false, checks: [{ id: 'seal-revocation', passed: true, detail: 'no issuer of the seal certificate among the validation data: revocation not checked here' }] };
  // 'revoked' only for a revocation at or before `at`; a later one is 'good' with its revokedAt (src/ltv/revocation/checkRevocation.ts)
  const r = checkRevocation({ cert: link.cert, issuer: link.issuer, data: dss, at: signatureTime });
  if (r.status === 'revoked') {
    return { revokedBefore: true, checks: [{ id: 'seal-revocation', passed: false, detail: `the seal certificate was revoked at ${r.revokedAt?.toISOString()}, before the signature timestamp (${signatureTime.toISOString()}; ${r.source ?? 'validation data'})` }] };
  }
  const detail =
    r.status === 'good' && r.revokedAt
      ? `the seal certificate was revoked at ${r.revokedAt.toISOString()}, after the signature timestamp (${signatureTime.toISOString()}): the signature stands`
      : r.status === 'good'
        ? `the seal certificate is not revoked (${r.source} produced ${r.producedAt?.toISOString() ?? 'at an unknown time'})`
        : 'the validation data says nothing current of the seal certificate';
  return { revokedBefore: false, checks: [{ id: 'seal-revocation', passed: true, detail }] };
}
