import type { Kysely, Transaction } from 'kysely'

/**
 * A relational database reached through Kysely, on SQLite (embedded) or PostgreSQL (scaled out).
 *
 * Contract:
 * - Portable column conventions, so one query works on both dialects: ids and text as `text`; timestamps as
 *   epoch milliseconds in `bigint` columns (read back as numbers); booleans as `integer` 0/1; JSON as `text`.
 * - `transaction` runs `fn` in one transaction and commits when it resolves, rolls back when it throws.
 * - `migrate` applies every pending migration in name order, each once, safely when several nodes start together
 *   (PostgreSQL takes an advisory lock; SQLite a lock table). Migrations are given per dialect.
 * - `runPrepared` is a hot statement's shortcut (see the method).
 * - `classifyError` tells what a driver error means, so services can map it to their own codes
 *   (e.g. a unique violation to a 409) without knowing the driver.
 * Left out: schema introspection and raw connections; use Kysely's `sql` tag for dialect-specific statements.
 */
export type SqlDialect = 'sqlite' | 'postgres'

// Tables are declared by each service; the shared handle is untyped at this level and narrowed by services.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDatabase = any

export interface SqlDatabase {
  readonly dialect: SqlDialect
  readonly db: Kysely<AnyDatabase>
  transaction<T>(fn: (trx: Transaction<AnyDatabase>) => Promise<T>): Promise<T>
  /**
   * Runs one compiled statement on its own (it commits by itself), prepared once per connection and then reused:
   * PostgreSQL parses and plans it once (a named prepared statement), SQLite compiles it once. For hot statements
   * whose text never changes: every value a parameter (row lists as arrays, see sql-row-lists.ts).
   */
  runPrepared(query: { sql: string; parameters: readonly unknown[] }): Promise<{ rows: unknown[] }>
  migrate(migrations: SqlMigration[]): Promise<MigrationReport>
  classifyError(error: unknown): SqlErrorClass
  ping(): Promise<void>
  close(): Promise<void>
}

export type SqlErrorClass =
  'unique_violation' | 'foreign_key_violation' | 'not_null_violation' | 'busy' | 'other'

/** One migration, named `NNNN_<service>_<what>` so names sort in the order they must run. */
export interface SqlMigration {
  name: string
  up(db: Kysely<AnyDatabase>, dialect: SqlDialect): Promise<void>
}

export interface MigrationReport {
  applied: string[]
  alreadyApplied: string[]
}
