import { z } from 'zod';
import { EcertError } from '../core/errors';
import { maskIdNumber } from '../core/maskIdNumber';
import type { CertificateRecord, Issuer } from '../registry/RegistryStore';
import type { Services } from '../services';
import { dedupKeyOf } from './issueCertificate';
import { certificateInScope } from './revokeCertificate';
import { parseWith } from './parseWith';
import { validateIssueRequest } from './validateIssueRequest';

export const reissueReasonSchema = z.object({ reason: z.string().trim().min(2).max(500) }).loose();

/** What re-issuing uses of the composition root. */
export type ReissueDeps = Pick<Services, 'catalog' | 'registry' | 'ids' | 'documents' | 'publicUrl' | 'clock' | 'nameFits'>;

/**
 * Re-issue a corrected certificate (e.g. a name correction): the body is the full, corrected
 * issue request plus a reason. The 管理号 is kept for life; the new document becomes the
 * current version and the earlier one verifies as superseded. The document is built with no
 * registry lock held and committed only if no other re-issue committed meanwhile
 * (ERR_CONCURRENT_UPDATE otherwise). The identity key follows the correction: afterwards the
 * corrected request finds this certificate and the original request conflicts with it.
 */
export async function reissueCertificate(managementNo: string, body: unknown, issuer: Issuer, s: ReissueDeps): Promise<CertificateRecord> {
  const { reason } = parseWith(reissueReasonSchema, body);
  const { reason: _r, ...requestBody } = body as Record<string, unknown>;
  const now = s.clock();
  const req = validateIssueRequest(requestBody, { catalog: s.catalog, now, nameFits: s.nameFits });
  const record = await certificateInScope(managementNo, issuer, s);
  if (record.status === 'revoked') throw new EcertError('ERR_CERTIFICATE_REVOKED', { details: { managementNo } });
  if (req.qualification !== record.qualification) {
    throw new EcertError('ERR_VALIDATION', { zh: '重新制发不能更改职业资格', en: 'a re-issue cannot change the qualification', details: { field: 'qualification' } });
  }
  const idNumberDigest = s.ids.digest(req.holder.idNumber);
  const version = record.currentVersion + 1;
  const built = await s.documents.build(req, { managementNo, version, signingTime: now }, s.publicUrl);
  return s.registry.reissue({
    managementNo,
    expectedVersion: record.currentVersion,
    changes: {
      specialty: req.specialty,
      holderName: req.holder.name,
      idType: req.holder.idType,
      idNumberMasked: maskIdNumber(req.holder.idNumber),
      idNumberDigest,
      sex: req.holder.sex,
      birth: req.holder.birth,
      approvalDate: req.approvalDate,
      issueDate: req.issueDate,
    },
    dedupKey: dedupKeyOf(req, idNumberDigest),
    built,
    actor: issuer.id,
    now,
    reason,
  });
}
