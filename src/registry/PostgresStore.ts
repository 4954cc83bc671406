import { createHash } from 'node:crypto';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { binaryCopyChunks, type CopyField } from './binaryCopy';
import { EcertError } from '../core/errors';
import type { Row, SqlSession } from './SqlSession';
import { SqlRegistryStore, type ClaimArgs, type NewDocumentRow } from './SqlRegistryStore';
import type { BatchRowRef } from './RegistryStore';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Keep every table in this schema (created by migrate): isolates tests and co-hosted deployments. */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  /** How long to wait for a connection before ERR_REGISTRY_UNAVAILABLE (default 5 s). */
  connectionTimeoutMillis?: number;
  /** Client-side limit on one statement, lock waits included, before ERR_REGISTRY_UNAVAILABLE (default 30 s). */
  queryTimeoutMillis?: number;
}

/** Rows per INSERT … SELECT FROM unnest(…) when storing a batch. */
const BATCH_INSERT_CHUNK = 5000;
/**
 * Prepared statements are planned for each execution's values and the tables as they are
 * (https://www.postgresql.org/docs/current/runtime-config-query.html#GUC-PLAN-CACHE-MODE):
 * a generic plan is made once per connection and statement, from a registry that may still
 * be nearly empty, and the registry's group statements take lists of 1–64 keys. The local
 * server spent 0.57–0.66 ms a certificate of a batch with custom plans against 0.67–0.77 ms
 * with generic ones (four alternated pairs of 4,000-row batches, this machine); planning these
 * short statements is cheap next to that.
 */
const PLAN_CACHE_MODE = '-c plan_cache_mode=force_custom_plan';
/** Namespace of our advisory lock keys (pg_advisory_xact_lock(int, int)): "ecrt". */
const ADVISORY_NAMESPACE = 0x65637274;

/**
 * The registry on PostgreSQL for several stateless instances sharing one database: a pg Pool,
 * READ COMMITTED transactions with explicit row locks (the 管理号 sequence row by
 * INSERT … ON CONFLICT DO UPDATE … RETURNING, certificates and the audit head by FOR UPDATE),
 * batch rows claimed with FOR UPDATE SKIP LOCKED, migrations under a transaction-scoped
 * advisory lock. Connection failures become ERR_REGISTRY_UNAVAILABLE; broken clients are
 * dropped from the pool, which reconnects on the next query once the server is back.
 */
export class PostgresStore extends SqlRegistryStore {
  readonly engine = 'postgres' as const;
  protected readonly forUpdate = ' FOR UPDATE';
  protected readonly db: SqlSession;
  private readonly pool: pg.Pool;
  private readonly schema?: string;

  constructor(opts: PostgresStoreOptions) {
    super();
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
      throw new EcertError('ERR_CONFIG', { en: `invalid PostgreSQL schema name: ${opts.schema}` });
    }
    this.schema = opts.schema;
    this.pool = new pg.Pool({
      connectionString: withOptions(opts.connectionString, [PLAN_CACHE_MODE, ...(this.schema ? [`-c search_path=${this.schema}`] : [])]),
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 5000,
      idleTimeoutMillis: 30_000,
      // a silently dropped connection (no RST) must not hang a request forever
      keepAlive: true,
      query_timeout: opts.queryTimeoutMillis ?? 30_000,
      application_name: 'ecert',
    });
    // an idle client lost its server: the pool discards it and connects afresh on demand
    this.pool.on('error', () => {});
    this.db = new PgSession(this.pool);
  }

  async ping(): Promise<void> {
    await this.db.all('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  protected async transaction<T>(fn: (t: SqlSession) => Promise<T>, opts: { durable?: boolean } = {}): Promise<T> {
    const client = await guard(() => this.pool.connect());
    let broken: unknown;
    try {
      await guard(() => client.query('BEGIN'));
      // not waiting for the WAL flush: a later durable commit flushes it too (the WAL is written in order)
      if (opts.durable === false) await guard(() => client.query('SET LOCAL synchronous_commit TO OFF'));
      const result = await fn(new PgSession(client));
      await guard(() => client.query('COMMIT'));
      return result;
    } catch (e) {
      if (isConnectionError(e) || isConnectionError((e as { cause?: unknown })?.cause)) broken = e;
      else await client.query('ROLLBACK').catch((r: unknown) => (broken = r));
      throw e;
    } finally {
      client.release(broken ? (broken instanceof Error ? broken : true) : undefined);
    }
  }

  protected async beginMigration(t: SqlSession): Promise<void> {
    const schema = this.schema ?? '';
    await t.all('SELECT pg_advisory_xact_lock(?, hashtext(?))', [ADVISORY_NAMESPACE, `migrate:${schema}`]);
    if (this.schema) await t.run(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
  }

  protected async insertBatchRows(t: SqlSession, batchId: string, rows: Array<{ rowNo: number; payload: string }>): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH_INSERT_CHUNK) {
      const part = rows.slice(i, i + BATCH_INSERT_CHUNK);
      await t.run(
        `INSERT INTO batch_rows (batch_id, row_no, payload, state)
         SELECT ?, r.row_no, r.payload, 'pending' FROM unnest(?::int[], ?::text[]) AS r (row_no, payload)`,
        [batchId, part.map((r) => r.rowNo), part.map((r) => r.payload)],
      );
    }
  }

  /**
   * Binary COPY (binaryCopy.ts): each PDF goes to the socket as it is. A multi-row INSERT's Bind
   * message is built in one growing buffer (pg-protocol's Writer), which allocated and copied
   * ~3× the group's PDF bytes: external memory of this thread's heap that started a full
   * collection every ~100 certificates of a batch (--trace-gc, this machine: 127 in 10,000
   * certificates, where the render pool forces 23; 32 in 14,000 with COPY).
   */
  protected async insertDocuments(t: SqlSession, docs: NewDocumentRow[]): Promise<void> {
    await (t as PgSession).copyIn(
      'COPY documents (management_no, version, sha256, pdf, part_sha256, part_offset, created_at) FROM STDIN (FORMAT binary)',
      docs.map((d) => [d.managementNo, d.version, d.sha256, d.pdf, d.partSha256, d.partOffset, d.createdAt]),
    );
  }

  protected async completeBatchRows(t: SqlSession, rows: Array<BatchRowRef & { managementNo: string }>): Promise<string[]> {
    // one statement for the group (a join on the primary key)
    const changed = await t.all(
      `UPDATE batch_rows AS r SET state = 'done', management_no = v.management_no, payload = NULL, lease_owner = NULL, lease_until = NULL
       FROM unnest(?::text[], ?::int[], ?::text[]) AS v (batch_id, row_no, management_no)
       WHERE r.batch_id = v.batch_id AND r.row_no = v.row_no AND r.state = 'pending'
       RETURNING r.batch_id`,
      [rows.map((r) => r.batchId), rows.map((r) => r.rowNo), rows.map((r) => r.managementNo)],
    );
    return changed.map((c) => String(c.batch_id));
  }

  protected claimRows(t: SqlSession, a: ClaimArgs): Promise<Row[]> {
    const now = a.now.getTime();
    return t.all(
      `WITH picked AS (
         SELECT batch_id, row_no FROM batch_rows
         WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
           ${a.batchId !== undefined ? 'AND batch_id = ?' : 'AND batch_id NOT IN (SELECT id FROM batches WHERE owner IS NOT NULL)'}
         ORDER BY batch_id, row_no LIMIT ?
         FOR UPDATE SKIP LOCKED)
       UPDATE batch_rows r SET lease_owner = ?, lease_until = ?
       FROM picked p, batches b
       WHERE r.batch_id = p.batch_id AND r.row_no = p.row_no AND b.id = r.batch_id
       RETURNING r.batch_id, r.row_no, r.payload, b.issuer_id, b.columns`,
      [now, ...(a.batchId !== undefined ? [a.batchId] : []), a.limit, a.workerId, now + a.leaseMs],
    );
  }

  protected isUniqueViolation(e: unknown): boolean {
    return (e as { code?: unknown } | null)?.code === '23505'; // unique_violation
  }
}

/** Statements on the pool (autocommit) or on one client (a transaction); `?` numbered to `$n`. */
class PgSession implements SqlSession {
  constructor(private readonly q: pg.Pool | pg.PoolClient) {}

  async all<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await guard(() => this.q.query(statement(sql, params)))).rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await guard(() => this.q.query(statement(sql, params)))).rowCount ?? 0;
  }

  /** COPY … FROM STDIN (FORMAT binary) of the rows, on a transaction's connection. */
  async copyIn(sql: string, rows: Iterable<readonly CopyField[]>): Promise<void> {
    if (this.q instanceof pg.Pool) throw new Error('COPY runs inside a transaction');
    const client = this.q;
    const chunks = [...binaryCopyChunks(rows)];
    await guard(
      () =>
        new Promise<void>((resolve, reject) => {
          const stream = client.query(copyFrom(sql));
          // 'finish' once the server has answered ReadyForQuery; a server error (or pg's
          // query_timeout) arrives as 'error', and the caller's transaction rolls back
          stream.once('finish', resolve);
          stream.once('error', reject);
          for (const chunk of chunks) stream.write(chunk);
          stream.end();
        }),
    );
  }
}

/**
 * The URL with settings added to its libpq `options` (`-c name=value …`): every connection of
 * the pool starts with them (a URL's own options would override a separate `options` setting).
 */
function withOptions(connectionString: string, settings: string[]): string {
  if (!settings.length) return connectionString;
  const url = new URL(connectionString);
  url.searchParams.set('options', [url.searchParams.get('options'), ...settings].filter(Boolean).join(' '));
  return url.toString();
}

/**
 * A statement with parameters runs as a named prepared statement (`?` numbered to `$n`): each
 * connection parses it once instead of on every call (the registry's statements are a fixed
 * set, issued thousands of times per batch), and plans it for each execution (PLAN_CACHE_MODE).
 * Statements without parameters (DDL, migrations) stay unnamed.
 */
const prepared = new Map<string, { name?: string; text: string }>();
function statement(sql: string, params: readonly unknown[]): pg.QueryConfig {
  let s = prepared.get(sql);
  if (s === undefined) {
    let i = 0;
    const text = sql.replace(/\?/g, () => `$${++i}`);
    s = { name: i ? `ecert_${createHash('sha256').update(text).digest('hex').slice(0, 24)}` : undefined, text };
    prepared.set(sql, s);
  }
  return { ...s, values: params as unknown[] };
}

/**
 * The server cannot be used right now: refused, reset, unreachable, pool wait timed out, or
 * SQLSTATE class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect
 * now), 53300 (too many connections).
 */
function isConnectionError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const code = String((e as { code?: unknown }).code ?? '');
  const msg = String((e as { message?: unknown }).message ?? '');
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|08...|57P0[123]|53300)$/.test(code) ||
    /timeout exceeded when trying to connect|Connection terminated|connection error and is not queryable|Client was closed and is not queryable|Cannot use a pool after calling end|Query read timeout/i.test(msg)
  );
}

async function guard<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw isConnectionError(e) ? new EcertError('ERR_REGISTRY_UNAVAILABLE', { cause: e }) : e;
  }
}
