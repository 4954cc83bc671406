import type { Migration } from './Migration';

/**
 * Version 7: a CSV batch keeps its header's spelling of each column (request field path →
 * header cell, JSON; NULL for a JSON batch or one stored before), so that a row failing only
 * when it is issued (ERR_CONFLICTS_WITH_EXISTING) names its columns as the submitter's file
 * does, as the errors found at submission do (src/issue/batch/checkBatchRows.ts).
 */
export const v7BatchColumns: Migration = {
  version: 7,
  name: 'batch columns',
  sqlite: ['ALTER TABLE batches ADD COLUMN columns TEXT'],
  postgres: ['ALTER TABLE batches ADD COLUMN columns TEXT'],
};
