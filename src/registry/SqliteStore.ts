import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EcertError } from '../core/errors';
import { AsyncMutex } from './AsyncMutex';
import { WalCheckpointer } from './WalCheckpointer';
import type { Row, SqlSession } from './SqlSession';
import { SqlRegistryStore, type ClaimArgs, type NewDocumentRow } from './SqlRegistryStore';
import type { BatchRowRef } from './RegistryStore';

export interface SqliteStoreOptions {
  /** The database file (created with its directory when missing). */
  file: string;
  /** How long a statement waits for another process's write lock before ERR_REGISTRY_UNAVAILABLE. */
  busyTimeoutMs?: number;
}

/** Transactions committed together at most (group commit). */
const MAX_GROUP = 64;

/**
 * WAL frames after which a checkpoint is due: SQLite's own automatic checkpoint threshold
 * (https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint), 16 MB with 16 KiB pages.
 * Counted as the writer's statements run and the pages their blobs fill (SqliteSession): a
 * floor of the frames they write, which does not depend on how fast they come.
 */
const CHECKPOINT_FRAMES = 1000;
/** A write that does not reach CHECKPOINT_FRAMES gets its checkpoint this long after its commit. */
const TRAILING_CHECKPOINT_MS = 1000;

/** One writer lock per database file and process, shared by every store open on that file. */
const writeLocks = new Map<string, { mutex: AsyncMutex; users: number }>();

/**
 * The embedded registry: better-sqlite3 in WAL mode with two connections on one file.
 * - The writer runs one transaction at a time behind an async mutex (a connection cannot nest
 *   transactions, and the issue transaction awaits the signer); BEGIN IMMEDIATE takes the
 *   database write lock at once, so several processes on the same file queue on busy_timeout
 *   instead of failing half-way (SQLITE_BUSY after the timeout → ERR_REGISTRY_UNAVAILABLE).
 * - The reader (query_only) serves look-ups while a write transaction is open: WAL readers see
 *   the last committed state and are never blocked by the writer.
 * synchronous = FULL: a commit acknowledged to an issuer survives a power cut, not only a crash.
 * Checkpoints run in a thread of their own, between write transactions (checkpointSoon).
 */
export class SqliteStore extends SqlRegistryStore {
  readonly engine = 'sqlite' as const;
  protected readonly forUpdate = '';
  protected readonly db: SqlSession;
  private readonly writerSession: SqliteSession;
  private readonly lockKey: string;
  private readonly lock: { mutex: AsyncMutex; users: number };
  private closed = false;
  private readonly checkpointer: WalCheckpointer;
  private checkpointRunning = false;
  /** Pass 1 of the checkpoint under way, until it answers (or writes wait for it). */
  private pass1?: Promise<boolean>;
  private checkpointTimer?: NodeJS.Timeout;

  private constructor(
    private readonly writer: Database.Database,
    private readonly reader: Database.Database,
    file: string,
    busyTimeoutMs: number,
  ) {
    super();
    this.checkpointer = new WalCheckpointer({ file, busyTimeoutMs });
    this.writerSession = new SqliteSession(writer, Number(writer.pragma('page_size', { simple: true })));
    this.db = new SqliteSession(reader);
    this.lockKey = file;
    this.lock = writeLocks.get(file) ?? { mutex: new AsyncMutex(), users: 0 };
    this.lock.users++;
    writeLocks.set(file, this.lock);
  }

  static open(opts: SqliteStoreOptions): SqliteStore {
    const file = resolve(opts.file);
    const timeout = opts.busyTimeoutMs ?? 5000;
    let writer: Database.Database | undefined;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writer = new Database(file, { timeout });
      // 16 KiB pages for a new registry (SQLite keeps an existing file's page size, and a WAL
      // database's for good, https://www.sqlite.org/pragma.html#pragma_page_size): a ~35 KB
      // certificate PDF is 3 WAL frames instead of 9, and a 20,000-row batch's COMMITs took
      // 4.5–4.9 s of the main thread instead of 6.4–7.1 s (cpu profile, this machine)
      writer.pragma('page_size = 16384');
      writer.pragma('journal_mode = WAL');
      writer.pragma('synchronous = FULL');
      // no checkpoint inside a COMMIT: this store runs them in a thread (checkpointSoon)
      writer.pragma('wal_autocheckpoint = 0');
      writer.pragma('foreign_keys = ON');
      // statement journals in memory (https://www.sqlite.org/tempfiles.html#stmtjrnl): the
      // writer's multi-row statements (a group's reserved numbers, its certificates, the
      // UPDATE of its 管理号) keep one for their own rollback, which spilled to a temporary
      // file past 64 KiB: ~50 KB of writes a certificate in a batch (/proc/self/io wchar
      // 165 → 115 KB, this machine). Only the writer: the reader's large sorts (search,
      // accounting) may still spill.
      writer.pragma('temp_store = MEMORY');
      const reader = new Database(file, { timeout });
      reader.pragma('foreign_keys = ON');
      reader.pragma('query_only = ON');
      return new SqliteStore(writer, reader, file, timeout);
    } catch (e) {
      writer?.close();
      throw unavailable(e);
    }
  }

  async ping(): Promise<void> {
    await this.db.all('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    const lock = this.lock;
    if (this.closed) return;
    // after the transactions already queued
    await lock.mutex.run(async () => {
      if (this.closed) return;
      this.closed = true;
      // a checkpoint's first pass runs outside the lock (checkpointNow): its thread answers first
      await this.pass1;
      this.reader.close();
      this.writer.close();
      await this.checkpointer.close();
      if (--lock.users === 0 && writeLocks.get(this.lockKey) === lock) writeLocks.delete(this.lockKey);
    });
  }

  /**
   * Group commit: transactions queued while the writer is busy run one after the other inside
   * ONE database transaction, each in its own SAVEPOINT (a failing one is rolled back alone),
   * and are acknowledged together after the single COMMIT (synchronous = FULL: one fsync for
   * the group instead of one each). Each function still sees the writes of those before it,
   * as with serial transactions. Safe because no registry transaction awaits anything but
   * its own statements (two-phase issuance: rendering happens between transactions).
   */
  protected transaction<T>(fn: (t: SqlSession) => Promise<T>, opts: { durable?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pendingTx.push({ fn: fn as (t: SqlSession) => Promise<unknown>, resolve: resolve as (v: unknown) => void, reject, durable: opts.durable !== false });
      if (this.pendingTx.length === 1) void this.lock.mutex.run(() => this.runGroup());
    });
  }

  private readonly pendingTx: Array<{ fn: (t: SqlSession) => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void; durable: boolean }> = [];
  private synchronous: 'FULL' | 'NORMAL' = 'FULL';

  private async runGroup(): Promise<void> {
    const group = this.pendingTx.splice(0, MAX_GROUP);
    if (this.pendingTx.length) void this.lock.mutex.run(() => this.runGroup());
    if (!group.length) return;
    if (this.closed) {
      for (const g of group) g.reject(unavailable(new Error('registry closed')));
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      // WAL + synchronous = NORMAL: the commit is not fsynced (the next FULL commit flushes it too)
      const sync = group.some((g) => g.durable) ? 'FULL' : 'NORMAL';
      if (sync !== this.synchronous) {
        this.writer.pragma(`synchronous = ${sync}`);
        this.synchronous = sync;
      }
      mapped(() => this.writer.exec('BEGIN IMMEDIATE'));
    } catch (e) {
      for (const g of group) g.reject(e);
      return;
    }
    try {
      for (const g of group) {
        if (group.length > 1) this.writer.exec('SAVEPOINT tx');
        try {
          const value = await g.fn(this.writerSession);
          if (group.length > 1) this.writer.exec('RELEASE tx');
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (group.length > 1) {
            this.writer.exec('ROLLBACK TO tx');
            this.writer.exec('RELEASE tx');
          } else if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
          outcomes.push({ ok: false, error });
        }
      }
      if (this.writer.inTransaction) mapped(() => this.writer.exec('COMMIT'));
    } catch (e) {
      if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
      for (const g of group) g.reject(e);
      return;
    }
    group.forEach((g, i) => {
      const o = outcomes[i];
      if (o.ok) g.resolve(o.value);
      else g.reject(o.error);
    });
    this.checkpointSoon();
  }

  /**
   * A PASSIVE checkpoint once the writes since the last one reach CHECKPOINT_FRAMES (or
   * TRAILING_CHECKPOINT_MS after a smaller write), in two passes of the checkpoint thread:
   * 1. while writes go on: it copies the frames the WAL holds when it starts (a checkpoint
   *    never blocks a writer, https://www.sqlite.org/c3ref/wal_checkpoint_v2.html) and
   *    fsyncs the database file;
   * 2. holding this process's write lock: the frames written during pass 1, so that the
   *    checkpoint is complete with no write in between, and the first write after it starts
   *    the WAL again from its beginning
   *    (https://www.sqlite.org/wal.html#avoiding_excessively_large_wal_files).
   * In one pass, the whole checkpoint held the lock: ~45 ms every ~180 certificates of a batch,
   * longer than the 16 tasks queued at a render thread (RenderPool.ts), and a batch used
   * 1.70–1.80 cores against 1.93–1.95 in raw rendering (CPU over wall time, this machine);
   * 1.84–1.91 in two. If the thread cannot be used, the checkpoint runs here, under the lock.
   */
  private checkpointSoon(): void {
    if (this.closed || !this.writerSession.framesWritten) return;
    if (this.checkpointRunning) {
      // pass 1 has let half as many frames again be written as started it (its answer comes
      // with a turn of the event loop, which a writer busy with its own statements may not
      // give): writes wait for it, so the WAL stays bounded
      const pass1 = this.pass1;
      if (pass1 && this.writerSession.framesWritten >= CHECKPOINT_FRAMES / 2) {
        this.pass1 = undefined;
        void this.lock.mutex.run(() => pass1);
      }
      return;
    }
    if (this.writerSession.framesWritten < CHECKPOINT_FRAMES) {
      this.checkpointTimer ??= setTimeout(() => {
        this.checkpointTimer = undefined;
        if (this.writerSession.framesWritten) this.checkpointNow();
      }, TRAILING_CHECKPOINT_MS).unref();
      return;
    }
    this.checkpointNow();
  }

  private checkpointNow(): void {
    if (this.checkpointRunning || this.closed) return;
    clearTimeout(this.checkpointTimer);
    this.checkpointTimer = undefined;
    this.checkpointRunning = true;
    this.writerSession.framesWritten = 0;
    const pass1 = (this.pass1 = this.checkpointer.run().then(
      () => true,
      () => false,
    ));
    void pass1
      .then((copied) => {
        this.pass1 = undefined;
        return this.lock.mutex.run(async () => {
          if (this.closed || (copied && !this.writerSession.framesWritten)) return; // nothing written since pass 1
          this.writerSession.framesWritten = 0;
          await this.checkpointer.run().catch(() => mapped(() => this.writer.pragma('wal_checkpoint(PASSIVE)')));
        });
      })
      .catch(() => {
        // the database is unusable right now: the next transaction reports it
      })
      .finally(() => {
        this.checkpointRunning = false;
      });
  }

  protected async beginMigration(): Promise<void> {
    // BEGIN IMMEDIATE already excludes every other writer, in this process and in others
  }

  protected async insertBatchRows(t: SqlSession, batchId: string, rows: Array<{ rowNo: number; payload: string }>): Promise<void> {
    for (const r of rows) await t.run(`INSERT INTO batch_rows (batch_id, row_no, payload, state) VALUES (?, ?, ?, 'pending')`, [batchId, r.rowNo, r.payload]);
  }

  protected async insertDocuments(t: SqlSession, docs: NewDocumentRow[]): Promise<void> {
    // a statement per row: a single-row INSERT needs no statement journal, which a multi-row
    // one with its UNIQUE and FOREIGN KEY checks keeps for the statement's own rollback
    // (https://www.sqlite.org/tempfiles.html#stmtjrnl), copying every page it touches again
    for (const d of docs) {
      await t.run('INSERT INTO documents (management_no, version, sha256, pdf, part_sha256, part_offset, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        d.managementNo, d.version, d.sha256, d.pdf, d.partSha256, d.partOffset, d.createdAt,
      ]);
    }
  }

  protected async completeBatchRows(t: SqlSession, rows: Array<BatchRowRef & { managementNo: string }>): Promise<string[]> {
    // a statement per row costs no round trip here; each finds its row by the primary key
    const changed: string[] = [];
    for (const r of rows) {
      const n = await t.run(
        `UPDATE batch_rows SET state = 'done', management_no = ?, payload = NULL, lease_owner = NULL, lease_until = NULL WHERE batch_id = ? AND row_no = ? AND state = 'pending'`,
        [r.managementNo, r.batchId, r.rowNo],
      );
      if (n) changed.push(r.batchId);
    }
    return changed;
  }

  protected async claimRows(t: SqlSession, a: ClaimArgs): Promise<Row[]> {
    const now = a.now.getTime();
    const rows = await t.all(
      `UPDATE batch_rows SET lease_owner = ?, lease_until = ?
       WHERE rowid IN (
         SELECT rowid FROM batch_rows
         WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
           ${a.batchId !== undefined ? 'AND batch_id = ?' : 'AND batch_id NOT IN (SELECT id FROM batches WHERE owner IS NOT NULL)'}
         ORDER BY batch_id, row_no LIMIT ?)
       RETURNING batch_id, row_no, payload`,
      [a.workerId, now + a.leaseMs, now, ...(a.batchId !== undefined ? [a.batchId] : []), a.limit],
    );
    if (!rows.length) return [];
    const ids = [...new Set(rows.map((r) => String(r.batch_id)))];
    const batches = new Map((await t.all(`SELECT id, issuer_id, columns FROM batches WHERE id IN (${ids.map(() => '?').join(', ')})`, ids)).map((b) => [String(b.id), b]));
    return rows.map((r) => {
      const b = batches.get(String(r.batch_id));
      return { ...r, issuer_id: b?.issuer_id, columns: b?.columns };
    });
  }

  protected isUniqueViolation(e: unknown): boolean {
    return /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(codeOf(e));
  }
}

/**
 * Statements on one better-sqlite3 connection, prepared once. `framesWritten` counts, for the
 * writer's checkpoints, a page for each statement run and the pages its blob parameters fill.
 */
class SqliteSession implements SqlSession {
  private readonly statements = new Map<string, Database.Statement>();
  framesWritten = 0;
  constructor(
    private readonly conn: Database.Database,
    private readonly pageSize = 0,
  ) {}

  async all<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return mapped(() => {
      if (this.pageSize) this.count(params);
      const st = this.prepare(sql);
      if (st.reader) return st.all(...params.map(bind)) as T[];
      st.run(...params.map(bind));
      return [];
    });
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return mapped(() => {
      if (this.pageSize) this.count(params);
      return this.prepare(sql).run(...params.map(bind)).changes;
    });
  }

  private count(params: readonly unknown[]): void {
    let frames = 1;
    for (const p of params) if (p instanceof Uint8Array) frames += Math.ceil(p.byteLength / this.pageSize);
    this.framesWritten += frames;
  }

  private prepare(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.conn.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }
}

const bind = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : v === undefined ? null : v);

const codeOf = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? '');

/** The database cannot be used right now (locked past busy_timeout, unreadable, full, read-only, closed). */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|PROTOCOL|NOLFS)/;

function mapped<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (UNAVAILABLE.test(codeOf(e)) || (e instanceof TypeError && /database connection is not open/i.test(e.message))) throw unavailable(e);
    throw e;
  }
}

function unavailable(e: unknown): EcertError {
  return new EcertError('ERR_REGISTRY_UNAVAILABLE', { cause: e });
}
