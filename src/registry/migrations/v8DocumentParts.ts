import type { Migration } from './Migration';

/**
 * Version 8: the part of a document that recurs byte for byte in others (the payload of the
 * layout's fixed-text font subset, ~21 KB of a ~35 KB certificate, src/core/types.ts
 * SharedPart) is stored once, in document_parts, keyed by its SHA-256; a documents row holding
 * one has the rest of the file in `pdf` and the part's place in `part_offset`
 * (src/registry/DocumentParts.ts). A batch then writes about half the bytes to the database, its
 * WAL and every backup. Rows written before keep their whole file (both columns NULL).
 */
export const v8DocumentParts: Migration = {
  version: 8,
  name: 'document parts',
  sqlite: [
    `CREATE TABLE document_parts (sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64), bytes BLOB NOT NULL, created_at TEXT NOT NULL)`,
    `ALTER TABLE documents ADD COLUMN part_sha256 TEXT REFERENCES document_parts (sha256)`,
    `ALTER TABLE documents ADD COLUMN part_offset INTEGER CHECK (part_offset >= 0)`,
  ],
  postgres: [
    `CREATE TABLE document_parts (sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64), bytes BYTEA NOT NULL, created_at TEXT NOT NULL)`,
    // already deflated, like the PDFs (v6UncompressedPdfs.ts)
    `ALTER TABLE document_parts ALTER COLUMN bytes SET STORAGE EXTERNAL`,
    `ALTER TABLE documents ADD COLUMN part_sha256 TEXT REFERENCES document_parts (sha256)`,
    `ALTER TABLE documents ADD COLUMN part_offset INTEGER CHECK (part_offset >= 0)`,
  ],
};
