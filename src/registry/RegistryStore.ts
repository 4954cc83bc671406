import type { CertificateData, IdType, Sex } from '../core/types';

/**
 * What the registry keeps of a certificate. Never the full ID number: its public masked form
 * and an opaque digest (an HMAC computed by the caller with a key the registry never sees).
 * Timestamps are ISO 8601 UTC strings (`Date.toISOString()`), stored as text by both engines
 * so that they round-trip byte for byte (they are hashed into the audit chain).
 */
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
  documents: DocumentInfo[];
}

export interface DocumentInfo {
  version: number;
  sha256: string;
  createdAt: string;
  supersededAt?: string;
}

/** The fields an issuance supplies; the registry adds the 管理号, status, version, time and documents. */
export type NewRecord = Omit<
  CertificateRecord,
  'managementNo' | 'status' | 'currentVersion' | 'createdAt' | 'documents' | 'revokedAt' | 'revokedBy' | 'revocationReason'
>;

/** What a re-issue may correct. The qualification and the issuer are fixed for life, like the 管理号. */
export type ReissueChanges = Partial<Omit<NewRecord, 'qualification' | 'issuerBody' | 'issuerId'>>;

/** A rendered and signed certificate, handed to the registry inside its transaction. */
export interface BuiltDocument {
  pdf: Buffer;
  /** SHA-256 of `pdf`, lower-case hex; the registry checks it. */
  sha256: string;
  data: CertificateData;
}

export interface StoredDocument {
  pdf: Buffer;
  sha256: string;
  version: number;
}

export interface Issuer {
  id: string;
  bodyCode: string;
  name: string;
  qualifications: string[];
  disabled?: boolean;
}

export interface BatchRowRef {
  batchId: string;
  rowNo: number;
}

export interface ClaimedRow extends BatchRowRef {
  payload: unknown;
  issuerId: string;
}

export interface BatchStatus {
  id: string;
  issuerId: string;
  total: number;
  done: number;
  failed: number;
  pending: number;
  /** The failed rows in row order, at most BATCH_ERRORS_LISTED of them (`failed` is the full count). */
  errors: Array<{ row: number; code: string; message: string }>;
  createdAt: string;
  finishedAt?: string;
}

/** getBatch lists at most this many failed rows (a 100 000-row batch may fail entirely). */
export const BATCH_ERRORS_LISTED = 1000;

export interface AuditInput {
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
  now: Date;
}

export interface AuditVerdict {
  ok: boolean;
  /** Entries verified, in order, before the first problem (all of them when ok). */
  entries: number;
  firstBadSeq?: number;
  problem?: string;
  /** Hash of the last entry: record it outside the database to detect a rewrite of the whole chain. */
  headHash?: string;
}

export interface IssueArgs {
  /** Identity of "the same certificate" (computed by the caller); issuing it again returns the existing one. */
  dedupKey: string;
  /** Issue year and catalog serial: the first 7 digits of the 管理号. */
  year: number;
  qualificationSerial: number;
  record: NewRecord;
  /** Render and sign the document for this 管理号 (version 1). Called at most once, inside the transaction. */
  build: (managementNo: string) => Promise<BuiltDocument>;
  actor: string;
  now: Date;
  /** The batch row this issuance completes (marked done in the same transaction). */
  batchRow?: BatchRowRef;
}

export interface ReissueArgs {
  managementNo: string;
  changes: ReissueChanges;
  build: (managementNo: string, version: number) => Promise<BuiltDocument>;
  actor: string;
  now: Date;
  reason: string;
}

/**
 * The registry: every certificate, its signed documents (PDF bytes + SHA-256), issuer
 * credentials, batches and an append-only, hash-chained audit log. One interface, two engines
 * (SqliteStore: embedded default; PostgresStore: several instances on one database), one
 * contract test suite for both.
 *
 * Errors: ERR_REGISTRY_UNAVAILABLE (503) when the database cannot be reached or stays locked;
 * ERR_NOT_FOUND and ERR_CERTIFICATE_REVOKED for the state rules below.
 */
export interface RegistryStore {
  readonly engine: 'sqlite' | 'postgres';
  /** Apply pending migrations (idempotent; safe when several instances start at once). */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  /**
   * ONE transaction: when `dedupKey` is known → `{ created: false }` with the existing record
   * (`build` not called; the batch row, if any, is marked done with that 管理号). Otherwise the
   * next sequence of (year, qualificationSerial) is taken under a row lock, `build` renders and
   * signs, and record + document v1 + audit entry + batch row are committed together. A failure
   * anywhere (build included) rolls everything back, the sequence too: numbers have no gaps.
   */
  issue(args: IssueArgs): Promise<{ created: boolean; record: CertificateRecord }>;

  /**
   * A new document version under the same 管理号, in one transaction; the previous version is
   * marked superseded. ERR_NOT_FOUND, or ERR_CERTIFICATE_REVOKED for a revoked certificate.
   */
  reissue(args: ReissueArgs): Promise<CertificateRecord>;

  /** Who, when, why. ERR_NOT_FOUND, or ERR_CERTIFICATE_REVOKED when already revoked. */
  revoke(args: { managementNo: string; reason: string; actor: string; now: Date }): Promise<CertificateRecord>;
  getCertificate(managementNo: string): Promise<CertificateRecord | undefined>;
  /** The current version when `version` is omitted. */
  getDocument(managementNo: string, version?: number): Promise<StoredDocument | undefined>;
  findDocumentBySha256(sha256: string): Promise<{ managementNo: string; version: number; superseded: boolean } | undefined>;

  /** Issuer credentials: the API key is never stored, only its SHA-256 (`keyHash`). */
  createIssuer(args: Issuer & { keyHash: string; actor: string; now: Date }): Promise<void>;
  /** Disabled issuers are returned too (with `disabled: true`): the caller refuses them. */
  findIssuerByKeyHash(keyHash: string): Promise<Issuer | undefined>;
  listIssuers(): Promise<Issuer[]>;
  /** ERR_NOT_FOUND for an unknown id. */
  disableIssuer(id: string, actor: string, now: Date): Promise<void>;

  /** Store a batch and its rows (pending). Idempotent: an existing batch id is left as it is. */
  createBatch(args: { id: string; issuerId: string; rows: Array<{ rowNo: number; payload: unknown }>; now: Date }): Promise<void>;
  /**
   * Lease up to `limit` pending rows (of one batch, or of any) whose lease is free or expired,
   * in row order. Concurrent claimers, in any process or instance, never get the same row
   * while its lease runs; a crashed worker's rows come back when their lease expires.
   */
  claimBatchRows(args: { batchId?: string; limit: number; workerId: string; now: Date; leaseMs: number }): Promise<ClaimedRow[]>;
  /** Free the leases of a batch's pending rows (a resumed CLI run after a crash). */
  releaseBatchLeases(batchId: string): Promise<void>;
  /** Mark a pending row failed (its payload is erased); no effect on a row already done or failed. */
  failBatchRow(args: BatchRowRef & { code: string; message: string; now?: Date }): Promise<void>;
  getBatch(batchId: string): Promise<BatchStatus | undefined>;
  /** The batch's issued rows in row order, read page by page (memory-bounded for 100 000 rows). */
  listBatchCertificates(batchId: string): AsyncIterable<{ rowNo: number; managementNo: string }>;

  /**
   * Holder look-up guard (security.md, "Privacy of the ID number"): count one wrong look-up of
   * `managementNo` on `day` (YYYY-MM-DD) and return the day's count; read the count.
   */
  countLookupFailure(managementNo: string, day: string): Promise<number>;
  lookupFailures(managementNo: string, day: string): Promise<number>;
  /** Spend a proof-of-work challenge: true the first time, false when it was spent before. */
  spendChallenge(id: string, expiresAt: Date, now: Date): Promise<boolean>;

  /** Append to the audit log (issue, reissue, revoke, createIssuer, disableIssuer append in their own transaction). */
  appendAudit(entry: AuditInput): Promise<void>;
  /** Recompute the chain: hashₙ = SHA-256(hashₙ₋₁ ‖ canonical JSON of entry n). */
  verifyAudit(): Promise<AuditVerdict>;
}
