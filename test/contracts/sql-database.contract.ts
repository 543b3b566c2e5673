import { type Kysely, sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import type { AnyDatabase, SqlDatabase, SqlDialect, SqlMigration } from '../../src/ports/sql-database.js'
import {
  type ColumnList,
  type ColumnType,
  fillTemplate,
  insertRowList,
  RowSource,
  valueSlot,
} from '../../src/ports/sql-row-lists.js'

export interface SqlDatabaseFixture {
  database: SqlDatabase
  cleanup: () => Promise<void>
  /** Opens another handle on the same store; only where two instances can share one (not `:memory:`). */
  openSibling?: () => Promise<SqlDatabase>
}

export interface SqlDatabaseContractOptions {
  name: string
  create: () => Promise<SqlDatabaseFixture>
  skip?: { reason: string; tests: string[] }[]
}

/** The behaviour every SqlDatabase adapter must show (see src/ports/sql-database.ts). */
export function describeSqlDatabaseContract(options: SqlDatabaseContractOptions): void {
  describe(`SqlDatabase contract: ${options.name}`, () => {
    let cleanups: (() => Promise<void>)[] = []
    const open = async (): Promise<SqlDatabaseFixture> => {
      const fixture = await options.create()
      cleanups.push(fixture.cleanup)
      return fixture
    }
    const known = new Set<string>()
    const test = (name: string, fn: (fixture: SqlDatabaseFixture) => Promise<void>): void => {
      known.add(name)
      const skipped = options.skip?.find((entry) => entry.tests.includes(name))
      if (skipped) it.skip(`${name} (skipped: ${skipped.reason})`, () => undefined)
      else it(name, async () => fn(await open()))
    }
    const sibling = async (fixture: SqlDatabaseFixture): Promise<SqlDatabase> => {
      if (!fixture.openSibling)
        throw new Error(`${options.name} cannot open a sibling; skip this test with a reason`)
      const other = await fixture.openSibling()
      cleanups.unshift(() => other.close())
      return other
    }
    afterEach(async () => {
      const pending = cleanups
      cleanups = []
      for (const cleanup of pending) await cleanup()
    })

    test('migrate applies pending migrations in name order, each once', async ({ database }) => {
      const ran: string[] = []
      const tracked = (name: string): SqlMigration => ({
        name,
        async up(db) {
          ran.push(name)
          await db.schema
            .createTable(`t_${name}`)
            .addColumn('id', 'text', (c) => c.primaryKey())
            .execute()
        },
      })
      const first = [tracked('0002_b'), tracked('0001_a'), tracked('0003_c')]

      expect(await database.migrate(first)).toEqual({
        applied: ['0001_a', '0002_b', '0003_c'],
        alreadyApplied: [],
      })
      expect(ran).toEqual(['0001_a', '0002_b', '0003_c'])

      expect(await database.migrate(first)).toEqual({
        applied: [],
        alreadyApplied: ['0001_a', '0002_b', '0003_c'],
      })
      expect(await database.migrate([...first, tracked('0004_d')])).toEqual({
        applied: ['0004_d'],
        alreadyApplied: ['0001_a', '0002_b', '0003_c'],
      })
      expect(ran).toEqual(['0001_a', '0002_b', '0003_c', '0004_d'])
    })

    test('a migration can branch on the dialect', async ({ database }) => {
      const seen: SqlDialect[] = []
      await database.migrate([
        {
          name: '0001_dialect',
          async up(db, dialect) {
            seen.push(dialect)
            const clock =
              dialect === 'postgres'
                ? sql`(floor(extract(epoch from now()) * 1000))::bigint`
                : sql`(unixepoch() * 1000)`
            await sql`create table stamped (id text primary key, at bigint not null default ${clock})`.execute(
              db,
            )
          },
        },
      ])
      expect(seen).toEqual([database.dialect])
      await database.db.insertInto('stamped').values({ id: 'x' }).execute()
      const row = await database.db.selectFrom('stamped').selectAll().executeTakeFirstOrThrow()
      expect(typeof row.at).toBe('number')
      expect(Math.abs(row.at - Date.now())).toBeLessThan(60 * 60 * 1000)
    })

    test('a failing migration raises MIGRATION_FAILED and nothing after it is applied', async ({
      database,
    }) => {
      const ran: string[] = []
      const creating = (name: string, table: string): SqlMigration => ({
        name,
        async up(db) {
          ran.push(name)
          await db.schema.createTable(table).addColumn('id', 'text').execute()
        },
      })
      await database.migrate([creating('0001_ok', 'ok_table')])
      const failing: SqlMigration = {
        name: '0002_bad',
        async up(db) {
          ran.push('0002_bad')
          await db.schema.createTable('half_done').addColumn('id', 'text').execute()
          throw new Error('boom')
        },
      }

      const error = await database
        .migrate([creating('0001_ok', 'ok_table'), failing, creating('0003_after', 'after_table')])
        .catch((caught: unknown) => caught)
      expect(error).toMatchObject({ code: 'MIGRATION_FAILED', details: { name: '0002_bad' } })
      expect(ran).toEqual(['0001_ok', '0002_bad'])
      await expectNoTable(database.db, 'after_table')
      await expectNoTable(database.db, 'half_done')

      const report = await database.migrate([creating('0001_ok', 'ok_table'), creating('0002_bad', 'fixed')])
      expect(report).toEqual({ applied: ['0002_bad'], alreadyApplied: ['0001_ok'] })
    })

    test('portable column conventions round-trip', async ({ database }) => {
      await database.migrate([conventionsTable])
      const at = 2 ** 41 + 123
      const doc = { list: [1, 'two', { three: null }], nested: { ok: true } }
      await database.db
        .insertInto('conventions')
        .values([
          { id: 'a', at, active: 1, doc: JSON.stringify(doc), note: 'héllo ✓' },
          { id: 'b', at: 0, active: 0, doc: '{}', note: null },
        ])
        .execute()

      const rows = await database.db.selectFrom('conventions').selectAll().orderBy('id').execute()
      expect(rows).toEqual([
        { id: 'a', at, active: 1, doc: JSON.stringify(doc), note: 'héllo ✓' },
        { id: 'b', at: 0, active: 0, doc: '{}', note: null },
      ])
      expect(typeof rows[0]!.at).toBe('number')
      expect(JSON.parse(rows[0]!.doc)).toEqual(doc)
      const { count } = await database.db
        .selectFrom('conventions')
        .select((eb) => eb.fn.countAll().as('count'))
        .executeTakeFirstOrThrow()
      expect(count).toBe(2)
    })

    test('CRUD through Kysely', async ({ database }) => {
      await database.migrate([conventionsTable])
      const { db } = database
      const inserted = await db
        .insertInto('conventions')
        .values({ id: 'r1', at: 1, active: 1, doc: '{}' })
        .returning(['id', 'at'])
        .executeTakeFirstOrThrow()
      expect(inserted).toEqual({ id: 'r1', at: 1 })
      await db.insertInto('conventions').values({ id: 'r2', at: 2, active: 0, doc: '[]' }).execute()

      const updated = await db
        .updateTable('conventions')
        .set({ note: 'seen' })
        .where('id', '=', 'r1')
        .executeTakeFirst()
      expect(Number(updated.numUpdatedRows)).toBe(1)
      const active = await db
        .selectFrom('conventions')
        .select(['id', 'note'])
        .where('active', '=', 1)
        .execute()
      expect(active).toEqual([{ id: 'r1', note: 'seen' }])

      const deleted = await db.deleteFrom('conventions').where('id', '=', 'r2').executeTakeFirst()
      expect(Number(deleted.numDeletedRows)).toBe(1)
      expect(await db.selectFrom('conventions').select('id').execute()).toEqual([{ id: 'r1' }])
    })

    test('transaction commits when the function resolves', async ({ database }) => {
      await database.migrate([conventionsTable])
      const result = await database.transaction(async (trx) => {
        await trx.insertInto('conventions').values({ id: 't1', at: 1, active: 1, doc: '{}' }).execute()
        await trx.insertInto('conventions').values({ id: 't2', at: 2, active: 1, doc: '{}' }).execute()
        return 'done'
      })
      expect(result).toBe('done')
      expect(await idsOf(database.db)).toEqual(['t1', 't2'])
    })

    test('transaction rolls back when the function throws', async ({ database }) => {
      await database.migrate([conventionsTable])
      const failure = new Error('changed my mind')
      await expect(
        database.transaction(async (trx) => {
          await trx.insertInto('conventions').values({ id: 't1', at: 1, active: 1, doc: '{}' }).execute()
          throw failure
        }),
      ).rejects.toBe(failure)
      expect(await idsOf(database.db)).toEqual([])
    })

    test('concurrent transactions neither lose updates nor see each other half-done', async ({
      database,
    }) => {
      await database.migrate([counterTable])
      await database.db.insertInto('counter').values({ id: 'c', n: 0 }).execute()
      const increment = (fail: boolean) =>
        database.transaction(async (trx) => {
          await trx
            .updateTable('counter')
            .set((eb) => ({ n: eb('n', '+', 1) }))
            .where('id', '=', 'c')
            .execute()
          await new Promise((resolve) => setImmediate(resolve))
          const { n } = await trx
            .selectFrom('counter')
            .select('n')
            .where('id', '=', 'c')
            .executeTakeFirstOrThrow()
          if (fail) throw new Error('rolled back')
          return n as number
        })

      const outcomes = await Promise.allSettled(
        Array.from({ length: 21 }, (_, index) => increment(index === 10)),
      )
      const seen = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(1)
      const final = await database.db
        .selectFrom('counter')
        .select('n')
        .where('id', '=', 'c')
        .executeTakeFirstOrThrow()
      expect(final.n).toBe(20)
      // Each committed transaction saw its own increment on top of every earlier committed one.
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1))
    })

    test('classifyError recognises unique, foreign key and not-null violations', async ({ database }) => {
      await database.migrate([parentChildTables])
      const { db } = database
      await db.insertInto('parent').values({ id: 'p1' }).execute()
      await db.insertInto('child').values({ id: 'c1', parent_id: 'p1', email: 'a@x' }).execute()
      const failureOf = (query: Promise<unknown>) =>
        query.then(
          () => expect.fail('expected a failure'),
          (e) => e,
        )

      const duplicateKey = await failureOf(db.insertInto('parent').values({ id: 'p1' }).execute())
      expect(database.classifyError(duplicateKey)).toBe('unique_violation')
      const duplicateEmail = await failureOf(
        db.insertInto('child').values({ id: 'c2', parent_id: 'p1', email: 'a@x' }).execute(),
      )
      expect(database.classifyError(duplicateEmail)).toBe('unique_violation')
      const missingParent = await failureOf(
        db.insertInto('child').values({ id: 'c3', parent_id: 'nope', email: 'b@x' }).execute(),
      )
      expect(database.classifyError(missingParent)).toBe('foreign_key_violation')
      const missingValue = await failureOf(
        db.insertInto('child').values({ id: 'c4', parent_id: null, email: 'c@x' }).execute(),
      )
      expect(database.classifyError(missingValue)).toBe('not_null_violation')
      const otherFailure = await failureOf(db.selectFrom('no_such_table').selectAll().execute())
      expect(database.classifyError(otherFailure)).toBe('other')
      expect(database.classifyError(new Error('plain'))).toBe('other')
      expect(database.classifyError('not an error')).toBe('other')
    })

    test('classifyError reports lock contention as busy', async (fixture) => {
      const { database } = fixture
      await database.migrate([counterTable])
      await database.db.insertInto('counter').values({ id: 'c', n: 0 }).execute()
      const other = await sibling(fixture)
      if (other.dialect === 'sqlite') await sql`pragma busy_timeout = 20`.execute(other.db)

      let release = (): void => undefined
      const held = new Promise<void>((resolve) => (release = resolve))
      let locked = (): void => undefined
      const lockTaken = new Promise<void>((resolve) => (locked = resolve))
      const holder = database.transaction(async (trx) => {
        await trx.updateTable('counter').set({ n: 1 }).where('id', '=', 'c').execute()
        locked()
        await held
      })
      await lockTaken
      const contention = await other
        .transaction(async (trx) => {
          if (other.dialect === 'postgres') await sql`set local lock_timeout = '20ms'`.execute(trx)
          await trx.updateTable('counter').set({ n: 2 }).where('id', '=', 'c').execute()
        })
        .then(
          () => expect.fail('expected lock contention'),
          (error: unknown) => error,
        )
      release()
      await holder
      expect(other.classifyError(contention)).toBe('busy')
      // The losing handle stays usable and sees the winner's commit.
      await other.db.updateTable('counter').set({ n: 3 }).where('id', '=', 'c').execute()
      const row = await database.db
        .selectFrom('counter')
        .select('n')
        .where('id', '=', 'c')
        .executeTakeFirstOrThrow()
      expect(row.n).toBe(3)
    })

    test('runPrepared runs row lists as one self-committing statement, the same text again and again', async ({
      database,
    }) => {
      await database.migrate([conventionsTable])
      type Row = ConventionsRow
      const columns = conventionsColumns('text')
      const insert = (rows: Row[]) =>
        insertRowList(database.dialect, { table: 'conventions', columns }, rows).compile(database.db)
      const quoted = '{"q":"\\"x\\"", "list": [1, "a,b"]}'
      const two = insert([
        { id: 'a', at: 2 ** 40, active: 1, doc: quoted, note: null },
        { id: 'b', at: 1, active: 0, doc: '{}', note: 'n' },
      ])
      const one = insert([{ id: 'c', at: 3, active: 1, doc: '[]', note: null }])
      if (database.dialect === 'postgres') expect(one.sql).toBe(two.sql)
      await database.runPrepared(two)
      await database.runPrepared(one)
      await database.runPrepared(insert([{ id: 'd', at: 4, active: 0, doc: 'null', note: 'again' }]))
      const { rows } = await database.runPrepared(
        sql`select id, at, doc, note from conventions order by id`.compile(database.db),
      )
      expect(rows.map((r) => ({ ...(r as object), at: Number((r as { at: unknown }).at) }))).toEqual([
        { id: 'a', at: 2 ** 40, doc: quoted, note: null },
        { id: 'b', at: 1, doc: '{}', note: 'n' },
        { id: 'c', at: 3, doc: '[]', note: null },
        { id: 'd', at: 4, doc: 'null', note: 'again' },
      ])
    })

    test('row lists carry any text exactly: quotes, backslashes, control characters, braces, NULL, non-ASCII', async ({
      database,
    }) => {
      await database.migrate([conventionsTable])
      type Row = ConventionsRow
      const columns = conventionsColumns('document')
      const texts = [
        '',
        'NULL',
        'null',
        '{a,b}',
        '"',
        '\\',
        '\\"',
        '\\n is not a newline',
        'line\nbreak\ttab\r\u0000'.replace('\u0000', '\u0001'),
        '\\\nafter an escaped backslash',
        ' spaced ',
        'Zürich — 東京 — 🚀',
        JSON.stringify({ q: '"x"', path: 'C:\\dir', list: [1, 'a,b', null] }),
      ]
      // Each row alone, and all rows in one list: the clean texts and the escaped ones go both ways.
      const rows: Row[] = texts.map((doc, i) => ({
        id: `r${String(i).padStart(2, '0')}`,
        at: i,
        active: 1,
        doc,
        note: i % 2 ? null : doc,
      }))
      await database.runPrepared(
        insertRowList(database.dialect, { table: 'conventions', columns }, rows.slice(0, 1)).compile(
          database.db,
        ),
      )
      await database.runPrepared(
        insertRowList(database.dialect, { table: 'conventions', columns }, rows.slice(1)).compile(
          database.db,
        ),
      )
      const { rows: read } = await database.runPrepared(
        sql`select id, doc, note from conventions order by id`.compile(database.db),
      )
      expect(read).toEqual(rows.map(({ id, doc, note }) => ({ id, doc, note })))
    })

    test('a statement template over row sources is compiled once and filled with each run’s rows and values', async ({
      database,
    }) => {
      await database.migrate([conventionsTable])
      type Row = ConventionsRow
      type Run = { rows: Row[]; note: string }
      const columns = conventionsColumns('text')
      let reads = 0
      const source = new RowSource((run: Run) => {
        reads++
        return run.rows.map((row) => ({ ...row, note: run.note }))
      })
      const template = sql`${insertRowList(database.dialect, { table: 'conventions', columns }, source)}
        returning id, ${valueSlot((run: Run) => run.note)} as told`.compile(database.db)
      const run = (input: Run) => database.runPrepared(fillTemplate(template, input))
      const first = await run({ rows: [{ id: 'a', at: 1, active: 1, doc: '{}', note: null }], note: 'one' })
      const second = await run({
        rows: [
          { id: 'b', at: 2, active: 0, doc: '"\\n"', note: null },
          { id: 'c', at: 3, active: 1, doc: '[]', note: null },
        ],
        note: 'two',
      })
      // Every column of a run reads its source's rows once.
      expect(reads).toBe(2)
      expect(first.rows).toEqual([{ id: 'a', told: 'one' }])
      expect(second.rows).toEqual([
        { id: 'b', told: 'two' },
        { id: 'c', told: 'two' },
      ])
      const { rows } = await sql<{ id: string; doc: string; note: string }>`
        select id, doc, note from conventions order by id`.execute(database.db)
      expect(rows).toEqual([
        { id: 'a', doc: '{}', note: 'one' },
        { id: 'b', doc: '"\\n"', note: 'two' },
        { id: 'c', doc: '[]', note: 'two' },
      ])
    })

    test('ping answers', async ({ database }) => {
      await expect(database.ping()).resolves.toBeUndefined()
    })

    test('concurrent migrate from two instances applies each migration once', async (fixture) => {
      const { database } = fixture
      const other = await sibling(fixture)
      const runs = new Map<string, number>()
      const slow = (name: string): SqlMigration => ({
        name,
        async up(db) {
          runs.set(name, (runs.get(name) ?? 0) + 1)
          await db.schema.createTable(`t_${name}`).addColumn('id', 'text').execute()
          await new Promise((resolve) => setTimeout(resolve, 50))
        },
      })
      const migrations = ['0001_a', '0002_b', '0003_c'].map(slow)

      const reports = await Promise.all([database.migrate(migrations), other.migrate(migrations)])
      expect([...runs.values()]).toEqual([1, 1, 1])
      const all = ['0001_a', '0002_b', '0003_c']
      expect(reports).toContainEqual({ applied: all, alreadyApplied: [] })
      expect(reports).toContainEqual({ applied: [], alreadyApplied: all })
    })

    for (const entry of options.skip ?? []) {
      for (const name of entry.tests) {
        if (!known.has(name))
          throw new Error(`${options.name} skips an unknown SqlDatabase contract test: ${name}`)
      }
    }
  })
}

interface ConventionsRow {
  id: string
  at: number
  active: number
  doc: string
  note: string | null
}

/** The `conventions` table's columns as a row list, with its two text columns of type `texts`. */
const conventionsColumns = (texts: ColumnType): ColumnList<ConventionsRow> => [
  ['id', 'text'],
  ['at', 'bigint'],
  ['active', 'integer'],
  ['doc', texts],
  ['note', texts],
]

const conventionsTable: SqlMigration = {
  name: '0001_conventions',
  async up(db) {
    await db.schema
      .createTable('conventions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .execute()
  },
}

const counterTable: SqlMigration = {
  name: '0001_counter',
  async up(db) {
    await db.schema
      .createTable('counter')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('n', 'bigint', (c) => c.notNull())
      .execute()
  },
}

const parentChildTables: SqlMigration = {
  name: '0001_parent_child',
  async up(db) {
    await db.schema
      .createTable('parent')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .execute()
    await db.schema
      .createTable('child')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('parent_id', 'text', (c) => c.notNull().references('parent.id'))
      .addColumn('email', 'text', (c) => c.unique())
      .execute()
  },
}

async function idsOf(db: Kysely<AnyDatabase>): Promise<string[]> {
  const rows = await db.selectFrom('conventions').select('id').orderBy('id').execute()
  return rows.map((row) => row.id as string)
}

async function expectNoTable(db: Kysely<AnyDatabase>, table: string): Promise<void> {
  await expect(db.selectFrom(table).selectAll().execute()).rejects.toThrow()
}
