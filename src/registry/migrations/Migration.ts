/**
 * A versioned schema change. Applied once, inside one transaction with the version's row in
 * schema_migrations (both engines have transactional DDL); never edit an applied migration:
 * add the next version. Statements are listed one by one (trigger bodies contain `;`).
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string[];
  postgres: string[];
}
