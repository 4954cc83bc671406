import pg from 'pg';
import { describe, it } from 'vitest';
import { openRegistry } from '../../src/registry/openRegistry';
import { freshSchemaUrl, postgresAvailable } from '../helpers/postgres';
import { storeContract } from './storeContract';

if (await postgresAvailable()) {
  storeContract('PostgreSQL', async () => {
    const schema = await freshSchemaUrl();
    const store = await openRegistry({ dataDir: '/nonexistent', databaseUrl: schema.url });
    await store.migrate();
    return {
      store,
      tamper: async (sql) => {
        const c = new pg.Client({ connectionString: schema.url });
        await c.connect();
        await c.query(sql);
        await c.end();
      },
      close: async () => {
        await store.close();
        await schema.drop();
      },
    };
  });
} else {
  describe.skip('registry store contract: PostgreSQL (server unreachable)', () => it('skipped', () => {}));
}
