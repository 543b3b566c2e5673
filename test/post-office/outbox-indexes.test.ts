import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase } from '../../src/adapters/postgres/sql-database.js'
import { createSqliteDatabase } from '../../src/adapters/sqlite/sql-database.js'
import { platformMigrations } from '../../src/platform.js'
import type { SqlDatabase } from '../../src/ports/sql-database.js'
import { freshPostgresSchema, realPostgresUrl } from '../support/real-servers.js'

/** The outbox's indexes hold only pending events (in routing order) and routed ones (by age, for retention). */
async function outboxIndexes(database: SqlDatabase): Promise<Record<string, string>> {
  await database.migrate(platformMigrations)
  const { rows } =
    database.dialect === 'postgres'
      ? await sql<{ name: string; definition: string }>`
          select indexname as name, indexdef as definition from pg_indexes
          where schemaname = current_schema() and tablename = 'po_events' and indexname <> 'po_events_pkey'`.execute(
          database.db,
        )
      : await sql<{ name: string; definition: string }>`
          select name, sql as definition from sqlite_master
          where type = 'index' and tbl_name = 'po_events' and sql is not null`.execute(database.db)
  return Object.fromEntries(rows.map((row) => [row.name, row.definition.replace(/\s+/g, ' ')]))
}

function expectPartial(indexes: Record<string, string>): void {
  expect(Object.keys(indexes).sort()).toEqual(['po_events_pending', 'po_events_routed'])
  expect(indexes.po_events_pending).toMatch(/\(created_at, id\) WHERE \(?status = 'pending'/i)
  expect(indexes.po_events_routed).toMatch(/\(created_at\) WHERE \(?status = 'routed'/i)
}

describe('Post Office outbox indexes', () => {
  it('are partial on SQLite', async () => {
    const database = await createSqliteDatabase({ url: 'sqlite::memory:' })
    try {
      expectPartial(await outboxIndexes(database))
    } finally {
      await database.close()
    }
  })

  describe.skipIf(!realPostgresUrl)('on PostgreSQL', () => {
    const schema = realPostgresUrl ? freshPostgresSchema(realPostgresUrl) : undefined
    afterAll(() => schema?.drop())

    it('are partial on PostgreSQL', async () => {
      const database = await createPostgresDatabase({ url: schema!.url })
      try {
        expectPartial(await outboxIndexes(database))
      } finally {
        await database.close()
      }
    })
  })
})
