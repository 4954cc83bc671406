/**
 * The little the registry needs from a SQL engine. Statements use `?` placeholders; the
 * PostgreSQL driver numbers them ($1, $2, …).
 */
export interface SqlDriver {
  readonly engine: 'sqlite' | 'postgres';
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<number>;
  /** Run `fn` in one transaction (serialisable writer for SQLite, READ COMMITTED for PostgreSQL). */
  tx<T>(fn: (db: SqlDriver) => Promise<T>): Promise<T>;
  /** Run `fn` with an exclusive migration lock (PostgreSQL advisory lock). */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  isUniqueViolation(e: unknown): boolean;
}
