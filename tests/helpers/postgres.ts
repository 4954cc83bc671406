import pg from 'pg';

/** The PostgreSQL of this machine (CI: mandatory; elsewhere: skipped with a notice when absent). */
export const TEST_DATABASE_URL = process.env.ECERT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    if (process.env.CI) throw new Error(`PostgreSQL is required in CI but ${TEST_DATABASE_URL} is unreachable`);
    console.warn(`NOTICE: PostgreSQL at ${TEST_DATABASE_URL} unreachable: PostgreSQL tests skipped`);
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** A fresh schema, and a URL whose connections use it (libpq `options=-c search_path=…`). */
export async function freshSchemaUrl(prefix = 'ecert_t'): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
  const sep = TEST_DATABASE_URL.includes('?') ? '&' : '?';
  return {
    url: `${TEST_DATABASE_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: async () => {
      const d = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await d.connect();
      await d.query(`drop schema if exists ${schema} cascade`);
      await d.end();
    },
  };
}

/** The registry of a test run on `engine`: SQLite in the test's own directory, or a fresh PostgreSQL schema. */
export async function registryFor(engine: string): Promise<{ databaseUrl?: string; drop(): Promise<void> }> {
  if (engine !== 'postgres') return { drop: async () => {} };
  const schema = await freshSchemaUrl();
  return { databaseUrl: schema.url, drop: schema.drop };
}
