/**
 * Versioned schema migrations, one list for both engines (`{blob}` is BLOB or BYTEA).
 * A migration is applied once, in a transaction, recorded in schema_migrations; never
 * edit an applied one: add the next version.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'registry',
    sql: `
CREATE TABLE sequences (
  year INTEGER NOT NULL,
  qualification_serial INTEGER NOT NULL,
  next_seq INTEGER NOT NULL,
  PRIMARY KEY (year, qualification_serial)
);
CREATE TABLE certificates (
  management_no TEXT PRIMARY KEY,
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
  current_version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT,
  revocation_reason TEXT
);
CREATE TABLE documents (
  management_no TEXT NOT NULL REFERENCES certificates (management_no),
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  pdf {blob} NOT NULL,
  created_at TEXT NOT NULL,
  superseded_at TEXT,
  PRIMARY KEY (management_no, version)
);
CREATE TABLE issuers (
  id TEXT PRIMARY KEY,
  body_code TEXT NOT NULL,
  name TEXT NOT NULL,
  qualifications TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE TABLE batches (
  id TEXT PRIMARY KEY,
  issuer_id TEXT NOT NULL REFERENCES issuers (id),
  total INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE TABLE batch_rows (
  batch_id TEXT NOT NULL REFERENCES batches (id),
  row_no INTEGER NOT NULL,
  payload TEXT,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
  management_no TEXT,
  error_code TEXT,
  error_message TEXT,
  lease_owner TEXT,
  lease_until BIGINT,
  PRIMARY KEY (batch_id, row_no)
);
CREATE INDEX batch_rows_by_state ON batch_rows (state, batch_id, row_no);
CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}');
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  details TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);`,
  },
];
