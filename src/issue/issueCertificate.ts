import { createHash } from 'node:crypto';
import { maskIdNumber } from '../core/maskIdNumber';
import type { IssueRequest } from '../core/types';
import type { CertificateRecord, Issuer, NewRecord } from '../registry/RegistryStore';
import type { Services } from '../services';
import { assertIssuerScope } from './authorizeIssuer';
import { conflictError, conflictingFields } from './conflictingFields';
import { issueTwoPhase } from './issueTwoPhase';
import { validateIssueRequest } from './validateIssueRequest';

export interface IssueResult {
  created: boolean;
  record: CertificateRecord;
  documentSha256: string;
}

/** What issuing uses of the composition root. */
export type IssueDeps = Pick<Services, 'catalog' | 'registry' | 'ids' | 'documents' | 'publicUrl' | 'clock' | 'nameFits'>;

/**
 * Issue one certificate: validate → check the issuer's scope → reserve the 管理号 → render,
 * seal and sign with no registry lock held → commit record + document + hash + audit
 * (issueTwoPhase.ts). The same qualification (and specialty) for the same ID number and
 * approval date is not issued twice: an identical request returns the existing certificate
 * with created = false; one whose other details differ is refused with
 * ERR_CONFLICTS_WITH_EXISTING naming the 管理号 and the fields (a correction is a re-issue).
 */
export async function issueCertificate(
  body: unknown,
  issuer: Issuer,
  s: IssueDeps,
  batchRow?: BatchRowOrigin,
): Promise<IssueResult> {
  const now = s.clock();
  const req = validateIssueRequest(body, { catalog: s.catalog, now, nameFits: s.nameFits, columnOf: batchRow?.columnOf });
  assertIssuerScope(issuer, req.qualification);
  return issueValidated(req, issuer, s, now, batchRow);
}

/** The batch row a request comes from; `columnOf` names a field as the batch's file does (its errors). */
export interface BatchRowOrigin {
  batchId: string;
  rowNo: number;
  columnOf?: (field: string) => string;
}

export async function issueValidated(
  req: IssueRequest,
  issuer: Issuer,
  s: IssueDeps,
  now: Date,
  batchRow?: BatchRowOrigin,
): Promise<IssueResult> {
  const q = s.catalog.get(req.qualification);
  const idNumberDigest = s.ids.digest(req.holder.idNumber);
  const record: NewRecord = {
    qualification: q.code,
    specialty: req.specialty,
    holderName: req.holder.name,
    idType: req.holder.idType,
    idNumberMasked: maskIdNumber(req.holder.idNumber),
    idNumberDigest,
    sex: req.holder.sex,
    birth: req.holder.birth,
    approvalDate: req.approvalDate,
    issueDate: req.issueDate,
    issuerBody: q.issuingBody,
    issuerId: issuer.id,
  };
  let documentSha256 = '';
  let pdf: Uint8Array | undefined;
  const result = await issueTwoPhase(s.registry, {
    dedupKey: dedupKeyOf(req, idNumberDigest),
    year: Number(req.issueDate.slice(0, 4)),
    qualificationSerial: q.serial,
    record,
    build: async (managementNo) => {
      const built = await s.documents.build(req, { managementNo, version: 1, signingTime: now }, s.publicUrl);
      documentSha256 = built.sha256;
      pdf = built.pdf;
      return built;
    },
    actor: issuer.id,
    now,
    batchRow: batchRow && { batchId: batchRow.batchId, rowNo: batchRow.rowNo },
  }).finally(() => {
    // committed, or its number voided: the registry holds the bytes, or nobody needs them
    if (pdf) s.documents.release(pdf);
  });
  if (!result.created) {
    const differences = conflictingFields(result.record, record);
    if (differences.length || result.retired) throw conflictError(result.record.managementNo, differences.length ? differences : [{ field: 'identity' }], batchRow?.columnOf);
    if (batchRow) await s.registry.completeBatchRow({ batchId: batchRow.batchId, rowNo: batchRow.rowNo, managementNo: result.record.managementNo, now });
    documentSha256 = result.record.documents.find((d) => d.version === result.record.currentVersion)?.sha256 ?? '';
  }
  return { created: result.created, record: result.record, documentSha256 };
}

/** Identity of "the same certificate": qualification, specialty, holder ID and approval date. */
export function dedupKeyOf(req: Pick<IssueRequest, 'qualification' | 'specialty' | 'approvalDate'>, idNumberDigest: string): string {
  return createHash('sha256')
    .update([req.qualification, req.specialty ?? '', idNumberDigest, req.approvalDate].join('\u001f'))
    .digest('hex');
}
