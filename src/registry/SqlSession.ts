export type Row = Record<string, unknown>;

/**
 * The little the registry needs from a SQL connection: statements with `?` placeholders
 * (PostgresStore numbers them `$1, $2, …`), rows as plain objects, affected-row counts.
 * Inside a transaction it is the transaction's connection; outside, an autocommit reader.
 */
export interface SqlSession {
  all<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export async function first<T extends Row = Row>(s: SqlSession, sql: string, params?: readonly unknown[]): Promise<T | undefined> {
  return (await s.all<T>(sql, params))[0];
}
