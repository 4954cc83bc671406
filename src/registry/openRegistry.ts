import { join } from 'node:path';
import { PostgresDriver } from './PostgresDriver';
import type { RegistryStore } from './RegistryStore';
import { SqliteDriver } from './SqliteDriver';
import { SqlRegistryStore } from './SqlRegistryStore';

/** PostgreSQL when a database URL is configured (several instances), else SQLite under the data dir. */
export async function openRegistry(opts: { dataDir: string; databaseUrl?: string }): Promise<RegistryStore> {
  const driver = opts.databaseUrl ? new PostgresDriver(opts.databaseUrl) : new SqliteDriver(join(opts.dataDir, 'registry.sqlite'));
  return new SqlRegistryStore(driver);
}
