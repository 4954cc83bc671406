import { createHash } from 'node:crypto';
import { maskIdNumber } from '../core/maskIdNumber';
import type { IssueRequest } from '../core/types';
import type { CertificateRecord, Issuer } from '../registry/RegistryStore';
import type { Services } from '../services';
import { assertIssuerScope } from './authorizeIssuer';
import { validateIssueRequest } from './validateIssueRequest';

export interface IssueResult {
  created: boolean;
  record: CertificateRecord;
  documentSha256: string;
}

/**
 * Issue one certificate: validate → check the issuer's scope → in ONE registry transaction
 * allocate the 管理号, render, seal and sign, and store record + document + hash + audit.
 * The same qualification (and specialty) for the same ID number and approval date is not
 * issued twice: the existing certificate is returned with created = false.
 */
export async function issueCertificate(
  body: unknown,
  issuer: Issuer,
  s: Services,
  batchRow?: { batchId: string; rowNo: number },
): Promise<IssueResult> {
  const now = s.clock();
  const req = validateIssueRequest(body, { catalog: s.catalog, now, nameFits: s.nameFits });
  assertIssuerScope(issuer, req.qualification);
  return issueValidated(req, issuer, s, now, batchRow);
}

export async function issueValidated(
  req: IssueRequest,
  issuer: Issuer,
  s: Services,
  now: Date,
  batchRow?: { batchId: string; rowNo: number },
): Promise<IssueResult> {
  const q = s.catalog.get(req.qualification);
  const idNumberDigest = s.ids.digest(req.holder.idNumber);
  let documentSha256 = '';
  const { created, record } = await s.registry.issue({
    dedupKey: dedupKeyOf(req, idNumberDigest),
    year: Number(req.issueDate.slice(0, 4)),
    qualificationSerial: q.serial,
    record: {
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
    },
    build: async (managementNo) => {
      const built = await s.documents.build(req, { managementNo, version: 1, signingTime: now }, s.publicUrl);
      documentSha256 = built.sha256;
      return built;
    },
    actor: issuer.id,
    now,
    batchRow,
  });
  if (!created) documentSha256 = record.documents.find((d) => d.version === record.currentVersion)?.sha256 ?? '';
  return { created, record, documentSha256 };
}

/** Identity of "the same certificate": qualification, specialty, holder ID and approval date. */
export function dedupKeyOf(req: IssueRequest, idNumberDigest: string): string {
  return createHash('sha256')
    .update([req.qualification, req.specialty ?? '', idNumberDigest, req.approvalDate].join('\u001f'))
    .digest('hex');
}
