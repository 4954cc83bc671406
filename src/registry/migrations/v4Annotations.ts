import type { Migration } from './Migration';

/**
 * Version 4: annotated copies (加注, issue 15). Each row is one sealed copy of a certificate's
 * version with a purpose and an end date; its PDF and SHA-256 are kept so that a verifier can
 * recognise the copy. `status` is `active` or `withdrawn`: expiry is judged against the clock
 * (valid_until is a China-time calendar date, YYYY-MM-DD), never stored.
 */
const statements = (blob: string) => [
  `CREATE TABLE annotations (
    id TEXT PRIMARY KEY,
    management_no TEXT NOT NULL REFERENCES certificates (management_no),
    version INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
    withdrawn_at TEXT,
    sha256 TEXT NOT NULL UNIQUE,
    pdf ${blob} NOT NULL
  )`,
  `CREATE INDEX annotations_by_certificate ON annotations (management_no, status, valid_until)`,
];

export const v4Annotations: Migration = { version: 4, name: 'annotations', sqlite: statements('BLOB'), postgres: statements('BYTEA') };
