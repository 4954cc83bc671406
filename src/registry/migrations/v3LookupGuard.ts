import type { Migration } from './Migration';

/**
 * Version 3: the holder look-up guard (src/issue/holderLookupGuard.ts). Wrong look-ups per
 * 管理号 and day, shared by every channel and instance, and the proof-of-work challenges
 * already spent (each is accepted once).
 */
const statements = [
  `CREATE TABLE holder_lookup_failures (
    management_no TEXT NOT NULL,
    day TEXT NOT NULL,
    failures INTEGER NOT NULL CHECK (failures >= 0),
    PRIMARY KEY (management_no, day)
  )`,
  `CREATE TABLE spent_challenges (
    id TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
  )`,
  `CREATE INDEX spent_challenges_expiry ON spent_challenges (expires_at)`,
];

export const v3LookupGuard: Migration = { version: 3, name: 'lookup-guard', sqlite: statements, postgres: statements };
