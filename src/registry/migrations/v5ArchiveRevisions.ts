import type { Migration } from './Migration';

/**
 * Version 5: long-term validation (issue 14). Each row is one archive revision of a stored
 * document: the signed PDF of `documents` (management_no, version) with validation data (/DSS)
 * and a document timestamp appended as an incremental update (PAdES B-LTA, ETSI EN 319 142-1
 * §5.5). `seq` 1 is the first upgrade, each renewal appends the next; every revision keeps its
 * own SHA-256 and bytes, so every copy a holder ever downloaded stays recognisable.
 * `renew_before`: when the newest document timestamp must be covered by a new one (its TSA
 * certificate's end, less a margin; src/ltv/renewalDue.ts).
 */
const statements = (blob: string) => [
  `CREATE TABLE archive_revisions (
    management_no TEXT NOT NULL REFERENCES certificates (management_no),
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    pdf ${blob} NOT NULL,
    created_at TEXT NOT NULL,
    timestamped_at TEXT NOT NULL,
    renew_before TEXT NOT NULL,
    PRIMARY KEY (management_no, version, seq)
  )`,
  `CREATE INDEX archive_revisions_due ON archive_revisions (renew_before)`,
];

export const v5ArchiveRevisions: Migration = { version: 5, name: 'archive revisions', sqlite: statements('BLOB'), postgres: statements('BYTEA') };
