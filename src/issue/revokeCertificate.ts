import { z } from 'zod';
import { EcertError } from '../core/errors';
import type { CertificateRecord, Issuer } from '../registry/RegistryStore';
import type { Services } from '../services';
import { inIssuerScope } from './authorizeIssuer';
import { parseWith } from './parseWith';

export const revokeRequestSchema = z.object({ reason: z.string().trim().min(2).max(500) }).strict();

/**
 * Load a certificate an issuer may act on. A number outside the issuer's scope answers
 * exactly as a number that does not exist (404), so issuers cannot probe other bodies'
 * registers (security.md, "Lessons of an independent review": issuer data is not public).
 */
export async function certificateInScope(managementNo: string, issuer: Issuer, s: Pick<Services, 'registry'>): Promise<CertificateRecord> {
  const record = await s.registry.getCertificate(managementNo);
  if (!record || !inIssuerScope(issuer, record.qualification)) throw new EcertError('ERR_NOT_FOUND');
  return record;
}

/** Revoke: who, when and why are kept; from then on the certificate verifies as revoked. */
export async function revokeCertificate(managementNo: string, body: unknown, issuer: Issuer, s: Pick<Services, 'registry' | 'clock'>): Promise<CertificateRecord> {
  const { reason } = parseWith(revokeRequestSchema, body);
  const record = await certificateInScope(managementNo, issuer, s);
  if (record.status === 'revoked') throw new EcertError('ERR_CERTIFICATE_REVOKED', { details: { managementNo } });
  return s.registry.revoke({ managementNo, reason, actor: issuer.id, now: s.clock() });
}
