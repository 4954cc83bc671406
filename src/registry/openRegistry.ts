import { join } from 'node:path';
import { PostgresStore } from './PostgresStore';
import type { RegistryStore } from './RegistryStore';
import { SqliteStore } from './SqliteStore';

/** The SQLite file under the data directory. */
export const SQLITE_FILE_NAME = 'registry.sqlite';

/**
 * PostgreSQL when a database URL is configured (several instances share it), otherwise SQLite
 * at `<dataDir>/registry.sqlite`. The caller runs `migrate()`.
 */
export async function openRegistry(opts: { dataDir: string; databaseUrl?: string; schema?: string }): Promise<RegistryStore> {
  if (opts.databaseUrl) return new PostgresStore({ connectionString: opts.databaseUrl, schema: opts.schema });
  return SqliteStore.open({ file: join(opts.dataDir, SQLITE_FILE_NAME) });
}
