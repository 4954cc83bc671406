import type { Migration } from './Migration';

/**
 * Version 1: certificates and their documents, the 管理号 sequences, issuers, batches and
 * the audit log. Timestamps are ISO 8601 UTC text in both engines (they round-trip exactly
 * and sort as text); lease deadlines are epoch milliseconds.
 */
const common = (blob: string, bigint: string): string[] => [
  `CREATE TABLE certificate_sequences (
    year INTEGER NOT NULL,
    qualification_serial INTEGER NOT NULL,
    last_seq INTEGER NOT NULL CHECK (last_seq BETWEEN 1 AND 9999999),
    PRIMARY KEY (year, qualification_serial)
  )`,
  `CREATE TABLE certificates (
    management_no TEXT PRIMARY KEY CHECK (length(management_no) = 15),
    dedup_key TEXT NOT NULL UNIQUE,
    qualification TEXT NOT NULL,
    specialty TEXT,
    holder_name TEXT NOT NULL,
    id_type TEXT NOT NULL,
    id_number_masked TEXT NOT NULL,
    id_number_digest TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth TEXT NOT NULL,
    approval_date TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    issuer_body TEXT NOT NULL,
    issuer_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
    current_version INTEGER NOT NULL CHECK (current_version >= 1),
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    revocation_reason TEXT
  )`,
  `CREATE TABLE documents (
    management_no TEXT NOT NULL REFERENCES certificates (management_no),
    version INTEGER NOT NULL CHECK (version >= 1),
    sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    pdf ${blob} NOT NULL,
    created_at TEXT NOT NULL,
    superseded_at TEXT,
    PRIMARY KEY (management_no, version)
  )`,
  `CREATE TABLE issuers (
    id TEXT PRIMARY KEY,
    body_code TEXT NOT NULL,
    name TEXT NOT NULL,
    qualifications TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL,
    disabled_at TEXT
  )`,
  `CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    issuer_id TEXT NOT NULL REFERENCES issuers (id),
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    CHECK (done >= 0 AND failed >= 0 AND done + failed <= total)
  )`,
  `CREATE TABLE batch_rows (
    batch_id TEXT NOT NULL REFERENCES batches (id),
    row_no INTEGER NOT NULL,
    payload TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    management_no TEXT REFERENCES certificates (management_no),
    error_code TEXT,
    error_message TEXT,
    lease_owner TEXT,
    lease_until ${bigint},
    PRIMARY KEY (batch_id, row_no)
  )`,
  // claims scan only what is left to do
  `CREATE INDEX batch_rows_pending ON batch_rows (batch_id, row_no) WHERE state = 'pending'`,
  `CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq ${bigint} NOT NULL,
    hash TEXT NOT NULL
  )`,
  `INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}')`,
  `CREATE TABLE audit_log (
    seq ${bigint} PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  )`,
];

export const v1Registry: Migration = {
  version: 1,
  name: 'registry',
  sqlite: [
    ...common('BLOB', 'INTEGER'),
    // append-only: a plain UPDATE or DELETE fails (verifyAudit still catches what gets past this)
    `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
    `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
  ],
  postgres: [
    ...common('BYTEA', 'BIGINT'),
    `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
    `CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
    `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
  ],
};
