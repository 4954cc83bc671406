import type { Migration } from './Migration';

/**
 * Version 6: PostgreSQL keeps signed PDFs out of line without compressing them (STORAGE
 * EXTERNAL, PostgreSQL 15 documentation §73.2 "TOAST"). A PDF's streams are already deflated
 * (ISO 32000-1 §7.4.4), so the default pglz pass over every 35–40 KB document cost CPU on
 * each issuance and gained nothing. Applies to rows written from now on; SQLite never
 * compresses BLOBs.
 */
export const v6UncompressedPdfs: Migration = {
  version: 6,
  name: 'uncompressed pdfs',
  sqlite: [],
  postgres: [`ALTER TABLE documents ALTER COLUMN pdf SET STORAGE EXTERNAL`, `ALTER TABLE archive_revisions ALTER COLUMN pdf SET STORAGE EXTERNAL`],
};
