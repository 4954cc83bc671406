import Database from 'better-sqlite3';
import { EcertError } from '../core/errors';
import type { SqlDriver } from './SqlDriver';

/**
 * better-sqlite3 in WAL mode: one writer connection behind an async mutex (transactions
 * never interleave) and one reader connection (WAL lets it read while the writer writes).
 * BEGIN IMMEDIATE takes the write lock at once, so several processes on one file serialise
 * on busy_timeout instead of failing half-way.
 */
export class SqliteDriver implements SqlDriver {
  readonly engine = 'sqlite' as const;
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(path: string) {
    try {
      this.writer = new Database(path, { timeout: 10_000 });
      this.writer.pragma('journal_mode = WAL');
      this.writer.pragma('synchronous = NORMAL');
      this.writer.pragma('foreign_keys = ON');
      this.reader = new Database(path, { timeout: 10_000 });
      this.reader.pragma('foreign_keys = ON');
    } catch (e) {
      throw unavailable(e);
    }
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.exec(() => this.prepare(this.reader, sql).all(...params.map(bind)) as T[]);
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.tx((db) => db.run(sql, params));
  }

  tx<T>(fn: (db: SqlDriver) => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      const bound = new BoundSqlite(this.writer, this.stmts);
      this.exec(() => this.writer.exec('BEGIN IMMEDIATE'));
      try {
        const r = await fn(bound);
        this.exec(() => this.writer.exec('COMMIT'));
        return r;
      } catch (e) {
        if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
        throw e;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn(); // migrations run inside BEGIN IMMEDIATE transactions
  }

  async close(): Promise<void> {
    await this.queue;
    this.reader.close();
    this.writer.close();
  }

  isUniqueViolation(e: unknown): boolean {
    return isUniqueViolation(e);
  }

  private prepare(db: Database.Database, sql: string): Database.Statement {
    const key = (db === this.reader ? 'r:' : 'w:') + sql;
    let s = this.stmts.get(key);
    if (!s) {
      s = db.prepare(sql);
      this.stmts.set(key, s);
    }
    return s;
  }

  private exec<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (/^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY)/.test(code)) throw unavailable(e);
      throw e;
    }
  }
}

/** The writer connection inside a transaction. */
class BoundSqlite implements SqlDriver {
  readonly engine = 'sqlite' as const;
  constructor(
    private readonly db: Database.Database,
    private readonly stmts: Map<string, Database.Statement>,
  ) {}
  private prepare(sql: string) {
    let s = this.stmts.get('w:' + sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set('w:' + sql, s);
    }
    return s;
  }
  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const s = this.prepare(sql);
    return (s.reader ? s.all(...params.map(bind)) : (s.run(...params.map(bind)), [])) as T[];
  }
  async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.prepare(sql).run(...params.map(bind)).changes;
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

function isUniqueViolation(e: unknown): boolean {
  return /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test((e as { code?: string })?.code ?? '');
}

const bind = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : v === undefined ? null : v);

function unavailable(e: unknown): EcertError {
  return new EcertError('ERR_REGISTRY_UNAVAILABLE', { cause: e });
}
