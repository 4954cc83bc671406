import type { CertificateData, IdType, Sex } from '../core/types';

/** What the registry keeps of a certificate. Never the full ID number: a masked form and an HMAC digest. */
export interface CertificateRecord {
  managementNo: string;
  qualification: string;
  specialty?: string;
  holderName: string;
  idType: IdType;
  idNumberMasked: string;
  idNumberDigest: string;
  sex: Sex;
  birth: string;
  approvalDate: string;
  issueDate: string;
  issuerBody: string;
  issuerId: string;
  status: 'valid' | 'revoked';
  currentVersion: number;
  createdAt: string;
  revokedAt?: string;
  revokedBy?: string;
  revocationReason?: string;
  documents: Array<{ version: number; sha256: string; createdAt: string; supersededAt?: string }>;
}

export type NewRecord = Omit<CertificateRecord, 'managementNo' | 'status' | 'currentVersion' | 'createdAt' | 'documents' | 'revokedAt' | 'revokedBy' | 'revocationReason'>;

export interface BuiltDocument {
  pdf: Buffer;
  sha256: string;
  data: CertificateData;
}

export interface Issuer {
  id: string;
  bodyCode: string;
  name: string;
  qualifications: string[];
  disabled?: boolean;
}

export interface BatchStatus {
  id: string;
  issuerId: string;
  total: number;
  done: number;
  failed: number;
  pending: number;
  errors: Array<{ row: number; code: string; message: string }>;
  createdAt: string;
  finishedAt?: string;
}

export interface ClaimedRow {
  batchId: string;
  rowNo: number;
  payload: unknown;
  issuerId: string;
}

export interface BatchRowRef {
  batchId: string;
  rowNo: number;
}

/**
 * The registry: every certificate, its documents (signed PDF bytes + SHA-256), issuers,
 * batches and the hash-chained audit log. One interface, two engines (SQLite embedded,
 * PostgreSQL for several instances); the same contract test suite runs against both.
 */
export interface RegistryStore {
  readonly engine: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  /**
   * Issue once: when `dedupKey` is known, the existing certificate (created = false), `build`
   * not called. Otherwise the next 管理号 of (year, qualification) is drawn like a database
   * sequence (never reused; a failure leaves a gap), `build` renders and signs the document,
   * and ONE transaction stores record + document (bytes and hash) + audit entry + the batch
   * row's completion. Nothing is written when `build` throws.
   */
  issue(args: {
    dedupKey: string;
    year: number;
    qualificationSerial: number;
    record: NewRecord;
    build: (managementNo: string) => Promise<BuiltDocument>;
    actor: string;
    now: Date;
    batchRow?: BatchRowRef;
  }): Promise<{ created: boolean; record: CertificateRecord }>;

  /** A new document version under the same 管理号; the previous one is marked superseded. */
  reissue(args: {
    managementNo: string;
    changes: Partial<NewRecord>;
    build: (managementNo: string, version: number) => Promise<BuiltDocument>;
    actor: string;
    now: Date;
    reason: string;
  }): Promise<CertificateRecord>;

  revoke(args: { managementNo: string; reason: string; actor: string; now: Date }): Promise<CertificateRecord>;
  getCertificate(managementNo: string): Promise<CertificateRecord | undefined>;
  getDocument(managementNo: string, version?: number): Promise<{ pdf: Buffer; sha256: string; version: number } | undefined>;
  findDocumentBySha256(sha256: string): Promise<{ managementNo: string; version: number; superseded: boolean } | undefined>;

  createIssuer(args: Issuer & { keyHash: string; actor: string; now: Date }): Promise<void>;
  findIssuerByKeyHash(keyHash: string): Promise<Issuer | undefined>;
  listIssuers(): Promise<Issuer[]>;

  createBatch(args: { id: string; issuerId: string; rows: Array<{ rowNo: number; payload: unknown }>; now: Date }): Promise<void>;
  /** Claim pending rows whose lease is free or expired (PostgreSQL: FOR UPDATE SKIP LOCKED). */
  claimBatchRows(args: { batchId?: string; limit: number; workerId: string; now: Date; leaseMs: number }): Promise<ClaimedRow[]>;
  /** Free the leases of a batch's pending rows (a resumed CLI run after a crash). */
  releaseBatchLeases(batchId: string): Promise<void>;
  failBatchRow(args: BatchRowRef & { code: string; message: string }): Promise<void>;
  getBatch(batchId: string): Promise<BatchStatus | undefined>;
  listBatchCertificates(batchId: string): AsyncIterable<{ rowNo: number; managementNo: string }>;

  appendAudit(entry: { actor: string; action: string; target: string; details?: Record<string, unknown>; now: Date }): Promise<void>;
  verifyAudit(): Promise<{ ok: boolean; entries: number; firstBadSeq?: number; problem?: string }>;
}
