import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '../../src/registry/openRegistry';
import { storeContract } from './storeContract';

storeContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-sqlite-'));
  const store = await openRegistry({ dataDir: dir });
  await store.migrate();
  return {
    store,
    tamper: async (sql) => {
      const db = new Database(join(dir, 'registry.sqlite'));
      db.exec(sql);
      db.close();
    },
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
