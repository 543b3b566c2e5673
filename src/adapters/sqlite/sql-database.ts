import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { CompiledQuery, Kysely, sql } from 'kysely'
import Database from 'libsql'
import { storageErrors } from '../../ports/errors.js'
import type {
  AnyDatabase,
  MigrationReport,
  SqlDatabase,
  SqlErrorClass,
  SqlMigration,
} from '../../ports/sql-database.js'
import { classifyByCode } from '../sql/error-class.js'
import { runMigrations } from '../sql/migrator.js'
import { createLibsqlDialect } from './libsql-dialect.js'

const memoryLocation = ':memory:'
const busyTimeoutMs = 5_000
const walAutocheckpointPages = 10_000
const migrationRetryDelayMs = 50
const migrationLockWaitMs = 120_000

/** SQLite through libsql, for `sqlite:<path>` (relative to the working folder, or absolute) or `sqlite::memory:`. */
export async function createSqliteDatabase(options: { url: string }): Promise<SqlDatabase> {
  const location = locationOf(options.url)
  const handle = await openHandle(location)
  const db = new Kysely<AnyDatabase>({ dialect: createLibsqlDialect(handle) })
  let closing: Promise<void> | undefined

  return {
    dialect: 'sqlite',
    db,
    transaction: (fn) => db.transaction().execute(fn),
    // The connection already keeps compiled statements by their text (libsql-connection.ts).
    async runPrepared(query) {
      const { rows } = await db.executeQuery(CompiledQuery.raw(query.sql, [...query.parameters]))
      return { rows }
    },
    migrate: (migrations) => migrateWaitingForOthers(db, migrations),
    classifyError: (error) => classifyByCode(error, sqliteClassOf),
    async ping() {
      try {
        await sql`select 1`.execute(db)
      } catch (error) {
        throw storageErrors.STORAGE_UNAVAILABLE({ store: 'sqlite' }, error)
      }
    },
    close() {
      closing ??= db.destroy().finally(() => {
        if (handle.open) handle.close()
      })
      return closing
    },
  }
}

function locationOf(url: string): string {
  const match = /^sqlite:(.+)$/.exec(url)
  if (!match?.[1]) throw new Error(`Not a SQLite URL (expected sqlite:<path> or sqlite::memory:): ${url}`)
  return match[1] === memoryLocation ? memoryLocation : resolve(match[1])
}

async function openHandle(location: string): Promise<Database.Database> {
  let handle: Database.Database | undefined
  try {
    if (location !== memoryLocation) await mkdir(dirname(location), { recursive: true })
    handle = new Database(location)
    handle.exec(`pragma busy_timeout = ${busyTimeoutMs}`)
    if (location !== memoryLocation) handle.exec('pragma journal_mode = WAL')
    handle.exec('pragma synchronous = NORMAL')
    // Checkpoints are where WAL mode with synchronous=NORMAL syncs to disk; at SQLite's default of one per 1,000
    // pages a busy node spends much of its time in them. Ten times fewer, the WAL grows to about 40 MB between.
    handle.exec(`pragma wal_autocheckpoint = ${walAutocheckpointPages}`)
    handle.exec('pragma foreign_keys = ON')
    handle.exec('pragma cache_size = -65536')
    return handle
  } catch (error) {
    if (handle?.open) handle.close()
    throw storageErrors.STORAGE_UNAVAILABLE({ store: 'sqlite' }, error)
  }
}

/**
 * Another process migrating holds the write lock (the migration transaction begins IMMEDIATE). SQLite's busy
 * handler would wait for it by sleeping inside the driver call, blocking the event loop, so while migrating the
 * busy timeout is off and a busy attempt is retried after an asynchronous pause; a busy failure happens before
 * the migration transaction holds the lock, so nothing was applied by that attempt.
 */
async function migrateWaitingForOthers(
  db: Kysely<AnyDatabase>,
  migrations: SqlMigration[],
): Promise<MigrationReport> {
  await sql`pragma busy_timeout = 0`.execute(db)
  try {
    for (let waited = 0; ; waited += migrationRetryDelayMs) {
      try {
        return await runMigrations(db, 'sqlite', migrations)
      } catch (error) {
        if (waited >= migrationLockWaitMs || classifyByCode(error, sqliteClassOf) !== 'busy') throw error
        await delay(migrationRetryDelayMs)
      }
    }
  } finally {
    await sql`pragma busy_timeout = ${sql.lit(busyTimeoutMs)}`.execute(db)
  }
}

const constraintClasses: Record<string, SqlErrorClass> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique_violation',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique_violation',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key_violation',
  SQLITE_CONSTRAINT_NOTNULL: 'not_null_violation',
}

function sqliteClassOf(code: string): SqlErrorClass | undefined {
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy'
  return constraintClasses[code]
}
