/**
 * The data a certificate carries, shared by validation, rendering, the registry and
 * verification. Field names follow ../shared/reference/contract.md.
 */

/** ID document types accepted by the issue request. */
export type IdType = 'resident-id' | 'passport' | 'hk-macao-permit' | 'taiwan-permit' | 'foreign-permanent-resident' | 'other';
export type Sex = '男' | '女';

export interface Holder {
  name: string;
  idType: IdType;
  /** Full ID number: only ever stored in the registry and compared; never shown publicly. */
  idNumber: string;
  sex: Sex;
  /** Year and month of birth, `YYYY-MM`. */
  birth: string;
}

/** A validated issue request (output of src/issue/validateIssueRequest). */
export interface IssueRequest {
  qualification: string;
  specialty?: string;
  holder: Holder;
  /** `YYYY-MM-DD` */
  approvalDate: string;
  /** `YYYY-MM-DD` */
  issueDate: string;
}

/**
 * What is printed on a certificate and carried in its metadata: everything public.
 * Note: `idNumberMasked`, never the full ID number.
 */
export interface CertificateData {
  managementNo: string;
  /** Document version under this 管理号 (1 = first issue, 2+ = re-issues). */
  version: number;
  qualification: string;
  specialty?: string;
  holderName: string;
  idType: IdType;
  idNumberMasked: string;
  sex: Sex;
  birth: string;
  approvalDate: string;
  issueDate: string;
  /** Issuing body code and name (catalog). */
  issuer: { code: string; name: string };
  sealId: string;
  /** Issue 15 (加注): present on an annotated copy only. */
  annotation?: AnnotationData;
  /**
   * Issue 12: a sample (`ecert samples`), not a certificate: watermarked 样本 SAMPLE, a 管理号
   * of the sample range (src/registry/managementNumber.ts), never in the registry. Absent on
   * every certificate.
   */
  sample?: true;
}

/** Issue 15 (加注): what an annotated copy carries of its annotation. */
export interface AnnotationData {
  id: string;
  /** Purpose code (templates/catalog.json annotationPurposes). */
  purpose: string;
  /** Last valid day, China time, `YYYY-MM-DD`. */
  validUntil: string;
}

export type CertificateStatus = 'valid' | 'revoked' | 'superseded';

/**
 * A span of a document that recurs byte for byte in other documents: a part cached across
 * renders (the payload of the layout's fixed-text font subset, ~21 KB of a ~35 KB
 * certificate, src/render/renderCertificate.ts), which the registry stores once
 * (src/registry/DocumentParts.ts). `sha256` is the span's hash as the renderer knows it: a
 * hint the registry checks, never trusts.
 */
export interface SharedPart {
  offset: number;
  length: number;
  sha256: string;
}
