import type { CertificateData, IdType, Sex, SharedPart } from '../core/types';

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
  /** SHA-256 of the document as issued. */
  sha256: string;
  createdAt: string;
  supersededAt?: string;
  /** Archive revisions of this version (PAdES B-LTA, issue 14), oldest first; the last is what holders download. */
  archiveRevisions?: Array<{ seq: number; sha256: string; createdAt: string; timestampedAt: string; renewBefore: string }>;
}

/** A stored document due for an archive revision (`ecert ltv renew`, issue 14). */
export interface ArchiveDue {
  managementNo: string;
  version: number;
  /** SHA-256 of its newest bytes (the issued document or its newest archive revision). */
  sha256: string;
  /** Archive revisions it has already. */
  revisions: number;
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
  /** Bytes of `pdf` that recur in other documents, which the registry stores once (DocumentParts.ts). */
  sharedPart?: SharedPart;
}

export interface StoredDocument {
  pdf: Buffer;
  sha256: string;
  version: number;
  /** 0: as issued; N: archive revision N (PAdES B-LTA, issue 14). */
  revision: number;
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

/** A batch row as submitted; a CSV's rows carry its columns (request field path → the header cell naming it). */
export interface NewBatchRow {
  rowNo: number;
  payload: unknown;
  columns?: Readonly<Record<string, string>>;
}

export interface ClaimedRow extends BatchRowRef {
  payload: unknown;
  issuerId: string;
  /** A CSV batch's columns: request field path → the header cell naming it (createBatch). */
  columns?: Readonly<Record<string, string>>;
}

export interface BatchStatus {
  id: string;
  issuerId: string;
  total: number;
  done: number;
  failed: number;
  pending: number;
  /**
   * Failed rows in row order, at most BATCH_ERRORS_LISTED of them, after the row asked for
   * (`failed` is the full count).
   */
  errors: BatchError[];
  /** Set when failed rows follow the last one listed: ask again with `errorsAfter` = this row. */
  errorsNext?: number;
  createdAt: string;
  finishedAt?: string;
  /** Set while a CLI run claims the batch exclusively. */
  owner?: string;
}

export interface BatchError {
  row: number;
  code: string;
  message: string;
}

/** getBatch lists at most this many failed rows at once (a 100 000-row batch may fail entirely). */
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

/** Phase 1 of an issuance: draw the 管理号 (issue 12, two-phase issuance). */
export interface ReserveArgs {
  /** Identity of "the same certificate" (computed by the caller). */
  dedupKey: string;
  /** Issue year and catalog serial: the first 7 digits of the 管理号. */
  year: number;
  qualificationSerial: number;
  actor: string;
  now: Date;
  /** The reservation is voided by the next reserve/claim after this long without a commit. */
  leaseMs: number;
}

export type Reservation =
  /**
   * The identity is already issued: nothing drawn. `retired`: the identity is one a re-issue
   * corrected away from (the certificate now carries other details).
   */
  | { existing: CertificateRecord; retired?: boolean }
  | { managementNo: string };

/** Phase 2: the rendered and signed document committed under its reserved 管理号. */
export interface CommitIssueArgs {
  managementNo: string;
  dedupKey: string;
  record: NewRecord;
  built: BuiltDocument;
  actor: string;
  now: Date;
  /** The batch row this issuance completes (marked done in the same transaction). */
  batchRow?: BatchRowRef;
}

export interface ReissueArgs {
  managementNo: string;
  /** The version the document was built on top of (built.data.version = expectedVersion + 1). */
  expectedVersion: number;
  changes: ReissueChanges;
  /** The corrected identity: later issue requests with it find this certificate. */
  dedupKey?: string;
  built: BuiltDocument;
  actor: string;
  now: Date;
  reason: string;
}

/** `ecert audit verify`: every 管理号 drawn, accounted for. */
export interface NumberAccount {
  ok: boolean;
  /** Numbers drawn (Σ last_seq over every year and qualification). */
  drawn: number;
  issued: number;
  void: number;
  /** Reserved and still within their lease (a document being built right now). */
  reserved: number;
  /** Reserved, lease run out (a crashed process): voided by the next reserve or claim. */
  expired: number;
  problems: string[];
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
   * Phase 1, one short transaction: when `dedupKey` is issued → `{ existing }` (nothing drawn).
   * Otherwise the next sequence of (year, qualificationSerial) is drawn and recorded as
   * `reserved` until now + leaseMs. Expired reservations (a crashed process) are voided first.
   * The registry never renders: the caller builds the document with no lock held.
   */
  reserve(args: ReserveArgs): Promise<Reservation>;
  /**
   * Phase 2, one short transaction: record + document v1 + audit entry + batch row, and the
   * number marked issued. When a concurrent issue of the same identity committed first, this
   * number is voided (reason given) and the winner returned with `created: false`.
   * ERR_RESERVATION_LOST (503) when the reservation was voided meanwhile (lease expired).
   */
  commitIssue(args: CommitIssueArgs): Promise<{ created: boolean; record: CertificateRecord }>;
  /** A reserved number that will not be committed (the build failed): void with its reason, never reused. */
  voidReservation(args: { managementNo: string; reason: string; actor: string; now: Date }): Promise<void>;
  /** Void every reservation whose lease has run out (called at start and by claims). Returns how many. */
  voidExpiredReservations(now: Date): Promise<number>;
  /** Every 管理号 drawn is issued, void or reserved; every certificate's number is issued. */
  accountNumbers(now: Date): Promise<NumberAccount>;
  /** Mark a pending batch row done with an existing certificate (an identical re-submission). */
  completeBatchRow(args: BatchRowRef & { managementNo: string; now: Date }): Promise<void>;

  /**
   * A new document version under the same 管理号, in one short transaction (the document was
   * built beforehand on top of `expectedVersion`); the previous version is marked superseded
   * and the identity key replaced by `dedupKey`. ERR_NOT_FOUND, ERR_CERTIFICATE_REVOKED, or
   * ERR_CONCURRENT_UPDATE (409) when another re-issue committed since `expectedVersion`;
   * ERR_CONFLICTS_WITH_EXISTING when the corrected identity is another certificate's.
   */
  reissue(args: ReissueArgs): Promise<CertificateRecord>;
  /**
   * Certificates matching every given criterion (the first 1–15 characters of the 管理号,
   * holder name exact, ID digest, qualification, status), newest first, at most `limit` (≤ 1000).
   */
  searchCertificates(q: { managementNoPrefix?: string; holderName?: string; idNumberDigest?: string; qualification?: string; status?: 'valid' | 'revoked'; limit: number }): Promise<CertificateRecord[]>;
  /** The certificate holding an identity key. */
  findByDedupKey(dedupKey: string): Promise<CertificateRecord | undefined>;

  /** Who, when, why. ERR_NOT_FOUND, or ERR_CERTIFICATE_REVOKED when already revoked. */
  revoke(args: { managementNo: string; reason: string; actor: string; now: Date }): Promise<CertificateRecord>;
  getCertificate(managementNo: string): Promise<CertificateRecord | undefined>;
  /**
   * The current version when `version` is omitted. Its newest bytes (the newest archive revision,
   * else as issued) when `revision` is omitted; 0: as issued; N: archive revision N.
   */
  getDocument(managementNo: string, version?: number, revision?: number): Promise<StoredDocument | undefined>;
  /** Which document version, issued or archive revision, has these bytes. */
  findDocumentBySha256(sha256: string): Promise<{ managementNo: string; version: number; superseded: boolean } | undefined>;

  // ---- issue 14: archive revisions (PAdES B-LTA)
  /**
   * One transaction: append an archive revision of (managementNo, version), built on top of its
   * newest bytes `basedOnSha256`, with a `document.archive` audit entry. ERR_CONCURRENT_UPDATE
   * when another revision was appended meanwhile (a concurrent renewal: nothing written);
   * ERR_NOT_FOUND for an unknown document.
   */
  addArchiveRevision(a: { managementNo: string; version: number; basedOnSha256: string; pdf: Buffer; sha256: string; timestampedAt: Date; renewBefore: Date; actor: string; now: Date }): Promise<{ seq: number }>;
  /**
   * Documents of certificates not revoked that have no archive revision yet, or whose newest one
   * is due (renew_before ≤ now); in (管理号, version) order after `after`, at most `limit`;
   * only these 管理号 when `managementNos` is given.
   */
  listArchiveDue(a: { now: Date; limit: number; after?: { managementNo: string; version: number }; managementNos?: string[] }): Promise<ArchiveDue[]>;

  /** Issuer credentials: the API key is never stored, only its SHA-256 (`keyHash`). */
  createIssuer(args: Issuer & { keyHash: string; actor: string; now: Date }): Promise<void>;
  /** Disabled issuers are returned too (with `disabled: true`): the caller refuses them. */
  findIssuerByKeyHash(keyHash: string): Promise<Issuer | undefined>;
  listIssuers(): Promise<Issuer[]>;
  /** ERR_NOT_FOUND for an unknown id. */
  disableIssuer(id: string, actor: string, now: Date): Promise<void>;

  /**
   * Store a batch and its rows (pending), with its `batch.submit` audit entry when `actor` is
   * given, in one transaction. Idempotent, also under concurrent identical submissions: an
   * existing batch id is left as it is (→ false). `owner`: the batch is claimed exclusively
   * by that owner (a CLI run); claims without a batchId skip owned batches. `rows` is read
   * once, inside the transaction: an error it throws (a malformed file) stores nothing. A
   * CSV's rows carry its columns (one object for every row): the batch keeps them, and
   * claimed rows come with them.
   */
  createBatch(args: { id: string; issuerId: string; rows: Iterable<NewBatchRow>; now: Date; actor?: string; owner?: string }): Promise<boolean>;
  /** Set (or clear with null) the exclusive owner of a batch. */
  setBatchOwner(batchId: string, owner: string | null): Promise<void>;
  /**
   * A row whose issuance failed for a non-validation reason (signer, registry, I/O): retried
   * after a back-off (its lease is moved to now + backoffMs·2^(attempts-1)); after
   * `maxAttempts` it is failed with that error. Returns 'retry' or 'failed'.
   */
  deferBatchRow(args: BatchRowRef & { code: string; message: string; now: Date; maxAttempts: number; backoffMs: number }): Promise<'retry' | 'failed'>;
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
  /**
   * The batch's counters and its failed rows after row `errorsAfter` (default 0), at most
   * `errorLimit` (default and ceiling BATCH_ERRORS_LISTED; 0 = counters only).
   */
  getBatch(batchId: string, opts?: { errorsAfter?: number; errorLimit?: number }): Promise<BatchStatus | undefined>;
  /** Every failed row of the batch in row order, read page by page. */
  listBatchErrors(batchId: string): AsyncIterable<BatchError>;
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

  // ---- issue 15: annotated copies (加注)
  /**
   * One transaction: lock the certificate (ERR_NOT_FOUND, ERR_CERTIFICATE_REVOKED; ERR_CONCURRENT_UPDATE
   * when `version` is no longer current), count its annotations still valid on `today` (active,
   * valid_until ≥ today): at `maxValid` → ERR_ANNOTATION_LIMIT with `details.nextPossible`;
   * otherwise insert the copy and its `annotation.create` audit entry. Concurrent creations
   * never exceed `maxValid`.
   */
  createAnnotation(args: NewAnnotation): Promise<AnnotationRecord>;
  /** Every annotation of a certificate, newest first (without the PDFs). */
  listAnnotations(managementNo: string): Promise<AnnotationRecord[]>;
  getAnnotation(id: string): Promise<AnnotationRecord | undefined>;
  /** The annotation whose copy has this SHA-256. */
  findAnnotationBySha256(sha256: string): Promise<AnnotationRecord | undefined>;
  /**
   * Withdraw an annotation of `managementNo` (ERR_NOT_FOUND for another certificate's id), with an
   * `annotation.withdraw` audit entry in the same transaction; a withdrawn one stays as it is.
   */
  withdrawAnnotation(args: { id: string; managementNo: string; actor: string; now: Date }): Promise<AnnotationRecord>;

  /** Append to the audit log (issue, reissue, revoke, createIssuer, disableIssuer append in their own transaction). */
  appendAudit(entry: AuditInput): Promise<void>;
  /** Recompute the chain: hashₙ = SHA-256(hashₙ₋₁ ‖ canonical JSON of entry n). */
  verifyAudit(): Promise<AuditVerdict>;
}

// ---- issue 15: annotated copies (加注)

/** One annotated copy: `status` as stored; valid or expired is judged against a clock (src/annotate/annotationPolicy.ts). */
export interface AnnotationRecord {
  id: string;
  managementNo: string;
  /** The certificate version the copy was made from. */
  version: number;
  /** Purpose code (templates/catalog.json annotationPurposes). */
  purpose: string;
  createdAt: string;
  /** Last valid day, China time, `YYYY-MM-DD`. */
  validUntil: string;
  status: 'active' | 'withdrawn';
  withdrawnAt?: string;
  sha256: string;
}

export interface NewAnnotation {
  id: string;
  managementNo: string;
  version: number;
  purpose: string;
  validUntil: string;
  /** China date of `now` (valid annotations are those with validUntil ≥ today). */
  today: string;
  maxValid: number;
  pdf: Buffer;
  sha256: string;
  actor: string;
  now: Date;
}
