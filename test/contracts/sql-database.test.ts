import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createPostgresDatabase } from '../../src/adapters/postgres/sql-database.js'
import { createSqliteDatabase } from '../../src/adapters/sqlite/sql-database.js'
import { freshPostgresSchema, realPostgresUrl } from '../support/real-servers.js'
import { describeSqlDatabaseContract } from './sql-database.contract.js'

describeSqlDatabaseContract({
  name: 'sqlite in memory',
  create: async () => {
    const database = await createSqliteDatabase({ url: 'sqlite::memory:' })
    return { database, cleanup: () => database.close() }
  },
  skip: [
    {
      reason: 'an in-memory database belongs to one connection, so no second instance can share it',
      tests: [
        'classifyError reports lock contention as busy',
        'concurrent migrate from two instances applies each migration once',
      ],
    },
  ],
})

describeSqlDatabaseContract({
  name: 'sqlite file',
  create: async () => {
    const folder = await mkdtemp(join(tmpdir(), 'symphainy-sqlite-'))
    const url = `sqlite:${join(folder, 'nested', 'db.sqlite')}`
    const database = await createSqliteDatabase({ url })
    return {
      database,
      openSibling: () => createSqliteDatabase({ url }),
      cleanup: async () => {
        await database.close()
        await rm(folder, { recursive: true, force: true })
      },
    }
  },
})

describe.skipIf(!realPostgresUrl)('postgres', () => {
  describeSqlDatabaseContract({
    name: 'postgres',
    create: async () => {
      const schema = freshPostgresSchema(realPostgresUrl!)
      const database = await createPostgresDatabase({ url: schema.url, poolSize: 4 })
      return {
        database,
        openSibling: () => createPostgresDatabase({ url: schema.url, poolSize: 4 }),
        cleanup: async () => {
          await database.close()
          await schema.drop()
        },
      }
    },
  })

  it('keeps tables and migration tables in the schema named by the URL', async () => {
    const schema = freshPostgresSchema(realPostgresUrl!)
    const database = await createPostgresDatabase({ url: schema.url })
    try {
      await database.migrate([
        { name: '0001_t', up: (db) => db.schema.createTable('in_schema').addColumn('id', 'text').execute() },
      ])
      const { rows } = await sql<{ table_schema: string; table_name: string }>`
        select table_schema, table_name from information_schema.tables
        where table_name in ('in_schema', 'symphainy_migration', 'symphainy_migration_lock')
          and table_schema = current_schema()
        order by table_name`.execute(database.db)
      const schemaName = new URL(schema.url).searchParams.get('schema')
      expect(rows).toEqual([
        { table_schema: schemaName, table_name: 'in_schema' },
        { table_schema: schemaName, table_name: 'symphainy_migration' },
        { table_schema: schemaName, table_name: 'symphainy_migration_lock' },
      ])
    } finally {
      await database.close()
      await schema.drop()
    }
  })

  it('plans a runPrepared statement once, generically, in the schema named by the URL', async () => {
    const schema = freshPostgresSchema(realPostgresUrl!)
    // One connection, so every run below meets the same session's prepared statements.
    const database = await createPostgresDatabase({ url: schema.url, poolSize: 1 })
    try {
      const hot = (n: number) =>
        sql`select ${n}::int + 1 as next, current_schema() as schema /* hot-plan-check */`.compile(
          database.db,
        )
      for (let n = 0; n < 8; n++) await database.runPrepared(hot(n))
      const { rows } = await database.runPrepared(
        sql`select generic_plans, custom_plans from pg_prepared_statements
          where statement like ${'%hot-plan-check%'} and statement not like ${'%pg_prepared_statements%'}`.compile(
          database.db,
        ),
      )
      expect(rows).toEqual([{ generic_plans: 8, custom_plans: 0 }])
      const last = await database.runPrepared(hot(41))
      expect(last.rows).toEqual([{ next: 42, schema: new URL(schema.url).searchParams.get('schema') }])
    } finally {
      await database.close()
      await schema.drop()
    }
  })
})

describe('postgres adapter without a server', () => {
  const unreachable = 'postgres://nobody@127.0.0.1:1/postgres'

  it('reports an unreachable server as STORAGE_UNAVAILABLE from ping', async () => {
    const database = await createPostgresDatabase({ url: unreachable })
    try {
      await expect(database.ping()).rejects.toMatchObject({
        code: 'STORAGE_UNAVAILABLE',
        details: { store: 'postgres' },
      })
    } finally {
      await database.close()
    }
  })

  it('reports an unreachable server as STORAGE_UNAVAILABLE when opening a schema', async () => {
    await expect(createPostgresDatabase({ url: `${unreachable}?schema=app` })).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
    })
  })

  it('rejects a schema parameter that is not a lower-case identifier', async () => {
    for (const schema of ['App', 'a-b', '1a', 'a;drop', '']) {
      await expect(
        createPostgresDatabase({ url: `${unreachable}?schema=${encodeURIComponent(schema)}` }),
      ).rejects.toThrow(/schema/)
    }
  })
})

describe('sqlite adapter', () => {
  it('opens a file database with WAL, a busy timeout, foreign keys and NORMAL sync', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'symphainy-sqlite-'))
    const database = await createSqliteDatabase({ url: `sqlite:${join(folder, 'a', 'b', 'db.sqlite')}` })
    try {
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] as object)[0] as unknown
      expect(await pragma('journal_mode')).toBe('wal')
      expect(await pragma('busy_timeout')).toBe(5000)
      expect(await pragma('foreign_keys')).toBe(1)
      expect(await pragma('synchronous')).toBe(1)
    } finally {
      await database.close()
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('keeps a handle usable after a write outside a transaction found the database locked', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'symphainy-sqlite-'))
    const url = `sqlite:${join(folder, 'db.sqlite')}`
    const first = await createSqliteDatabase({ url })
    const second = await createSqliteDatabase({ url })
    try {
      await sql`create table t (n integer)`.execute(first.db)
      await sql`pragma busy_timeout = 0`.execute(second.db)
      await first.transaction(async (trx) => {
        await sql`insert into t values (1)`.execute(trx)
        const locked = await sql`insert into t values (2)`.execute(second.db).catch((error: unknown) => error)
        expect(second.classifyError(locked)).toBe('busy')
      })
      const { rows } = await sql<{ n: number }>`select n from t order by n`.execute(second.db)
      expect(rows).toEqual([{ n: 1 }])
      await sql`insert into t values (3)`.execute(second.db)
      expect((await sql`select n from t order by n`.execute(first.db)).rows).toEqual([{ n: 1 }, { n: 3 }])
    } finally {
      await second.close()
      await first.close()
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('binds booleans as 0 and 1', async () => {
    const database = await createSqliteDatabase({ url: 'sqlite::memory:' })
    try {
      const { rows } = await sql`select ${true} as yes, ${false} as no`.execute(database.db)
      expect(rows).toEqual([{ yes: 1, no: 0 }])
    } finally {
      await database.close()
    }
  })

  it('classifies SQLITE_BUSY as busy, also when wrapped', async () => {
    const database = await createSqliteDatabase({ url: 'sqlite::memory:' })
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
    expect(database.classifyError(busy)).toBe('busy')
    expect(database.classifyError(new Error('wrapped', { cause: busy }))).toBe('busy')
    await database.close()
    await database.close()
  })
})
