import { createHash } from 'node:crypto'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { storageErrors } from '../../ports/errors.js'
import type { AnyDatabase, SqlDatabase, SqlErrorClass } from '../../ports/sql-database.js'
import { classifyByCode } from '../sql/error-class.js'
import { runMigrations } from '../sql/migrator.js'
import { parsePostgresUrl, withStartupOption } from './connection-url.js'

const int8Oid = 20
const connectTimeoutMs = 10_000
const maxPreparedStatements = 200
const hotPoolSize = 4

// Scoped to this pool's clients, so other users of `pg` in the process keep their parsers.
const types: pg.CustomTypesConfig = { getTypeParser: typeParserOf }

function typeParserOf(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === int8Oid && format !== 'binary') return Number
  return pg.types.getTypeParser(oid, format) as (value: string) => unknown
}

/** PostgreSQL through a pg pool; `?schema=<name>` keeps every table (migration tables too) in that schema. */
export async function createPostgresDatabase(options: {
  url: string
  poolSize?: number
}): Promise<SqlDatabase> {
  const { connectionString, schema } = parsePostgresUrl(options.url)
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: connectTimeoutMs,
    types,
  })
  // Hot statements (`runPrepared`) have texts that do not change with their values, row lists included, so one
  // generic plan serves them all; left to choose, PostgreSQL kept planning such statements afresh on every run
  // (custom plans), which cost it more than executing them. Their own connections keep that setting away from the
  // other statements, and keep hot writes from queueing behind slow queries for a connection.
  const hotPool = new pg.Pool({
    connectionString: withStartupOption(connectionString, '-c plan_cache_mode=force_generic_plan'),
    max: Math.min(hotPoolSize, options.poolSize ?? hotPoolSize),
    connectionTimeoutMillis: connectTimeoutMs,
    types,
  })
  // An idle client losing its server must not crash the process; the next query reports the failure.
  pool.on('error', () => undefined)
  hotPool.on('error', () => undefined)
  const db = new Kysely<AnyDatabase>({ dialect: new PostgresDialect({ pool }) })
  if (schema !== undefined) await createSchema(db, schema)
  let closing: Promise<void> | undefined

  // pg prepares a named statement once per connection; a name must always stand for the same text.
  const statementNames = new Map<string, string>()
  const nameOf = (text: string) => {
    let name = statementNames.get(text)
    if (name === undefined) {
      if (statementNames.size >= maxPreparedStatements) statementNames.clear()
      name = `sy_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`
      statementNames.set(text, name)
    }
    return name
  }

  return {
    dialect: 'postgres',
    db,
    transaction: (fn) => db.transaction().execute(fn),
    async runPrepared(query) {
      const { rows } = await hotPool.query({
        name: nameOf(query.sql),
        text: query.sql,
        values: [...query.parameters],
      })
      return { rows }
    },
    async migrate(migrations) {
      return runMigrations(db, 'postgres', migrations, { schema: schema ?? (await currentSchema(db)) })
    },
    classifyError: (error) => classifyByCode(error, postgresClassOf),
    async ping() {
      try {
        await sql`select 1`.execute(db)
      } catch (error) {
        throw storageErrors.STORAGE_UNAVAILABLE({ store: 'postgres' }, error)
      }
    },
    close() {
      closing ??= Promise.all([db.destroy(), hotPool.end()]).then(() => undefined)
      return closing
    },
  }
}

// Looks before creating: `create schema if not exists` needs the CREATE privilege even when the schema exists.
async function createSchema(db: Kysely<AnyDatabase>, schema: string): Promise<void> {
  try {
    const { rows } = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(db)
    if (rows.length === 0) await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
  } catch (error) {
    // Two sessions creating the same schema at once can both pass `if not exists`; the loser's error is harmless.
    if (classifyByCode(error, postgresClassOf) === 'unique_violation') return
    await db.destroy()
    throw hasSqlState(error) ? error : storageErrors.STORAGE_UNAVAILABLE({ store: 'postgres' }, error)
  }
}

// Kysely's Migrator looks its tables up across all schemas unless told which one to use.
async function currentSchema(db: Kysely<AnyDatabase>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema
}

function hasSqlState(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    typeof code === 'string' &&
    /^[0-9A-Z]{5}$/.test(code) &&
    !code.startsWith('08') &&
    !code.startsWith('57P')
  )
}

function postgresClassOf(code: string): SqlErrorClass | undefined {
  switch (code) {
    case '23505':
      return 'unique_violation'
    case '23503':
      return 'foreign_key_violation'
    case '23502':
      return 'not_null_violation'
    case '40001':
    case '40P01':
    case '55P03':
      return 'busy'
    default:
      return undefined
  }
}
