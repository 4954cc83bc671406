import type { Migration } from './Migration';
import { v1Registry } from './v1Registry';
import { v2Issuance } from './v2Issuance';
import { v3LookupGuard } from './v3LookupGuard';
import { v4Annotations } from './v4Annotations';
import { v5ArchiveRevisions } from './v5ArchiveRevisions';
import { v6UncompressedPdfs } from './v6UncompressedPdfs';
import { v7BatchColumns } from './v7BatchColumns';
import { v8DocumentParts } from './v8DocumentParts';

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [v1Registry, v2Issuance, v3LookupGuard, v4Annotations, v5ArchiveRevisions, v6UncompressedPdfs, v7BatchColumns, v8DocumentParts];

export type { Migration };
