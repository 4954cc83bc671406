import pg from 'pg';
import { EcertError } from '../core/errors';
import type { SqlDriver } from './SqlDriver';

/** node-postgres pool; statements keep `?` placeholders in the code and are numbered here. */
export class PostgresDriver implements SqlDriver {
  readonly engine = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(url: string, opts: { max?: number } = {}) {
    this.pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });
    this.pool.on('error', () => {}); // idle client errors: the next query reconnects
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return guard(async () => (await this.pool.query(numbered(sql), params)).rows as T[]);
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return guard(async () => (await this.pool.query(numbered(sql), params)).rowCount ?? 0);
  }

  async tx<T>(fn: (db: SqlDriver) => Promise<T>): Promise<T> {
    const client = await guard(() => this.pool.connect());
    try {
      await client.query('BEGIN');
      const r = await fn(new BoundPostgres(client));
      await client.query('COMMIT');
      return r;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw isConnectionError(e) ? unavailable(e) : e;
    } finally {
      client.release();
    }
  }

  async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    const client = await guard(() => this.pool.connect());
    try {
      await client.query('SELECT pg_advisory_lock(7308113)'); // arbitrary constant: "ecert migrations"
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(7308113)').catch(() => {});
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  isUniqueViolation(e: unknown): boolean {
    return isUniqueViolation(e);
  }
}

class BoundPostgres implements SqlDriver {
  readonly engine = 'postgres' as const;
  constructor(private readonly client: pg.PoolClient) {}
  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query(numbered(sql), params)).rows as T[];
  }
  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.client.query(numbered(sql), params)).rowCount ?? 0;
  }
  tx<T>(fn: (db: SqlDriver) => Promise<T>): Promise<T> {
    return fn(this);
  }
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  async close(): Promise<void> {}
  isUniqueViolation(e: unknown): boolean {
    return isUniqueViolation(e);
  }
}

/** SQLSTATE 23505 unique_violation. */
function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === '23505';
}

const numberedCache = new Map<string, string>();
function numbered(sql: string): string {
  let s = numberedCache.get(sql);
  if (!s) {
    let i = 0;
    s = sql.replace(/\?/g, () => `$${++i}`);
    numberedCache.set(sql, s);
  }
  return s;
}

/** Connection-level failures (server down, network, admin shutdown: SQLSTATE class 08, 57P0x). */
function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  const msg = (e as Error)?.message ?? '';
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|08|57P0)/.test(code) || /timeout exceeded when trying to connect|Connection terminated/i.test(msg);
}

async function guard<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw isConnectionError(e) ? unavailable(e) : e;
  }
}

function unavailable(e: unknown): EcertError {
  return new EcertError('ERR_REGISTRY_UNAVAILABLE', { cause: e });
}
