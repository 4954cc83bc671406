import { EcertError } from '../core/errors';
import type { CertificateRecord, NewRecord } from '../registry/RegistryStore';

/**
 * The fields a request may state differently from the certificate found for its identity
 * (qualification, specialty, ID number, approval date; see dedupKeyOf in issueCertificate.ts),
 * by their names in POST /api/v1/certificates. Identity fields differ only when the identity
 * was retired by a re-issue that corrected it.
 */
const FIELDS = {
  holderName: 'holder.name',
  idType: 'holder.idType',
  idNumberDigest: 'holder.idNumber',
  sex: 'holder.sex',
  birth: 'holder.birth',
  specialty: 'specialty',
  approvalDate: 'approvalDate',
  issueDate: 'issueDate',
} as const satisfies Partial<Record<keyof NewRecord, string>>;

/** Field names (request vocabulary) that differ. */
export function conflictingFields(existing: CertificateRecord, requested: NewRecord): string[] {
  return (Object.keys(FIELDS) as Array<keyof typeof FIELDS>).filter((f) => (existing[f] ?? '') !== (requested[f] ?? '')).map((f) => FIELDS[f]);
}

/** 409 ERR_CONFLICTS_WITH_EXISTING naming the 管理号, the differing fields and the re-issue route. */
export function conflictError(managementNo: string, fields: string[]): EcertError {
  return new EcertError('ERR_CONFLICTS_WITH_EXISTING', {
    zh: `管理号 ${managementNo}，不同字段：${fields.join('、')}`,
    en: `management number ${managementNo}, differing fields: ${fields.join(', ')}`,
    details: { managementNo, fields, reissue: `POST /api/v1/certificates/${managementNo}/reissue` },
  });
}
