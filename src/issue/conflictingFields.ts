import { EcertError } from '../core/errors';
import type { CertificateRecord, NewRecord } from '../registry/RegistryStore';

/**
 * The fields a request may state differently from the certificate found for its identity
 * (qualification, specialty, ID number, approval date; see dedupKeyOf in issueCertificate.ts),
 * by their names in POST /api/v1/certificates. Identity fields differ only when the identity
 * was retired by a re-issue that corrected it. The ID number is compared by its digest and
 * never shown.
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

/** A differing field (request vocabulary), with the requested and the issued value unless it is the ID number. */
export interface FieldDifference {
  field: string;
  values?: { requested: string; issued: string };
}

export function conflictingFields(existing: CertificateRecord, requested: NewRecord): FieldDifference[] {
  return (Object.keys(FIELDS) as Array<keyof typeof FIELDS>)
    .filter((f) => (existing[f] ?? '') !== (requested[f] ?? ''))
    .map((f) => (f === 'idNumberDigest' ? { field: FIELDS[f] } : { field: FIELDS[f], values: { requested: requested[f] ?? '', issued: existing[f] ?? '' } }));
}

/**
 * 409 ERR_CONFLICTS_WITH_EXISTING naming the 管理号, each differing field (by `columnOf`: a CSV
 * batch's header spelling) with the value asked for and the one issued, and the re-issue route.
 */
export function conflictError(managementNo: string, differences: FieldDifference[], columnOf: (field: string) => string = (f) => f): EcertError {
  const zh = (v: string) => (v ? `「${v}」` : '（空）');
  const en = (v: string) => (v ? `"${v}"` : '(empty)');
  return new EcertError('ERR_CONFLICTS_WITH_EXISTING', {
    zh: `管理号 ${managementNo}，不同字段：${differences.map((d) => columnOf(d.field) + (d.values ? `${zh(d.values.requested)}（已签发：${zh(d.values.issued)}）` : '')).join('、')}`,
    en: `management number ${managementNo}, differing fields: ${differences.map((d) => columnOf(d.field) + (d.values ? ` ${en(d.values.requested)} (issued: ${en(d.values.issued)})` : '')).join(', ')}`,
    details: { managementNo, fields: differences.map((d) => d.field), reissue: `POST /api/v1/certificates/${managementNo}/reissue` },
  });
}
