import type { Migration } from './Migration';

/**
 * Version 2 (issue 12): two-phase issuance and batch bookkeeping.
 * - management_numbers: every 管理号 ever drawn, with its state: `reserved` (drawn, the
 *   document being rendered and signed outside any transaction, until `lease_until`),
 *   `issued` (committed with its certificate) or `void` (never committed; `void_reason` says
 *   why). Together with certificate_sequences.last_seq this accounts for every number:
 *   sequences 1..last_seq each have exactly one row. Existing certificates are back-filled
 *   as issued.
 * - retired_identities: the identity keys a re-issue corrected away from; a later request with
 *   one of them conflicts with the corrected certificate instead of issuing a second one.
 * - batch_rows.attempts: infrastructure failures of a row (bounded retries with back-off).
 * - batches.owner: a CLI run that claims its batch exclusively (service workers skip it).
 */
const table = (bigint: string): string => `CREATE TABLE management_numbers (
    management_no TEXT PRIMARY KEY CHECK (length(management_no) = 15),
    year INTEGER NOT NULL,
    qualification_serial INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'issued', 'void')),
    dedup_key TEXT,
    reserved_by TEXT NOT NULL,
    reserved_at TEXT NOT NULL,
    lease_until ${bigint},
    voided_at TEXT,
    void_reason TEXT,
    UNIQUE (year, qualification_serial, seq),
    CHECK (state <> 'void' OR void_reason IS NOT NULL)
  )`;

const common = (bigint: string): string[] => [
  table(bigint),
  `CREATE INDEX management_numbers_reserved ON management_numbers (lease_until) WHERE state = 'reserved'`,
  `INSERT INTO management_numbers (management_no, year, qualification_serial, seq, state, dedup_key, reserved_by, reserved_at)
   SELECT management_no, CAST(substr(management_no, 1, 4) AS INTEGER), CAST(substr(management_no, 5, 3) AS INTEGER),
          CAST(substr(management_no, 8, 7) AS INTEGER), 'issued', dedup_key, issuer_id, created_at
   FROM certificates`,
  `CREATE TABLE retired_identities (
    dedup_key TEXT PRIMARY KEY,
    management_no TEXT NOT NULL REFERENCES certificates (management_no),
    retired_at TEXT NOT NULL
  )`,
  `ALTER TABLE batch_rows ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE batches ADD COLUMN owner TEXT`,
];

export const v2Issuance: Migration = {
  version: 2,
  name: 'two-phase issuance',
  sqlite: common('INTEGER'),
  postgres: common('BIGINT'),
};
