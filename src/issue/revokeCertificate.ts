import { z } from 'zod';
import { EcertError } from '../core/errors';
import type { CertificateRecord, Issuer } from '../registry/RegistryStore';
import type { Services } from '../services';
import { assertIssuerScope } from './authorizeIssuer';
import { parseWith } from './parseWith';

export const revokeRequestSchema = z.object({ reason: z.string().trim().min(2).max(500) }).strict();

/** Load a certificate an issuer may act on: 404 when absent, 403 when outside its scope. */
export async function certificateInScope(managementNo: string, issuer: Issuer, s: Pick<Services, 'registry'>): Promise<CertificateRecord> {
  const record = await s.registry.getCertificate(managementNo);
  if (!record) throw new EcertError('ERR_NOT_FOUND');
  assertIssuerScope(issuer, record.qualification);
  return record;
}

/** Revoke: who, when and why are kept; from then on the certificate verifies as revoked. */
export async function revokeCertificate(managementNo: string, body: unknown, issuer: Issuer, s: Pick<Services, 'registry' | 'clock'>): Promise<CertificateRecord> {
  const { reason } = parseWith(revokeRequestSchema, body);
  const record = await certificateInScope(managementNo, issuer, s);
  if (record.status === 'revoked') throw new EcertError('ERR_CERTIFICATE_REVOKED', { details: { managementNo } });
  return s.registry.revoke({ managementNo, reason, actor: issuer.id, now: s.clock() });
}
