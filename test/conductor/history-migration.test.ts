import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase } from '../../src/adapters/postgres/sql-database.js'
import { createSqliteDatabase } from '../../src/adapters/sqlite/sql-database.js'
import { platformMigrations } from '../../src/platform.js'
import type { SqlDatabase } from '../../src/ports/sql-database.js'
import { conductorTransitionsMigration } from '../../src/smart-city/conductor/migration.js'
import type { TransitionsTable } from '../../src/smart-city/conductor/tables.js'
import { historyEntries } from '../../src/smart-city/conductor/views.js'
import { freshPostgresSchema, realPostgresUrl } from '../support/real-servers.js'

/**
 * A database whose history predates one row per transition: every migration but that one is applied (as a node of
 * the previous version left it, Post Office's later-numbered ones included), history is written the old way, then
 * the current node migrates. Each old entry becomes a one-entry transition with its number, type, step and data.
 */
async function migratesOldHistory(database: SqlDatabase): Promise<void> {
  const before = platformMigrations.filter((m) => m.name !== conductorTransitionsMigration.name)
  await database.migrate(before)
  const old = [
    { seq: 1, type: 'workflow.started', step_id: null, data: '{"input":{"a":1}}' },
    { seq: 2, type: 'step.started', step_id: 's1', data: '{"type":"task"}' },
    { seq: 3, type: 'workflow.paused', step_id: null, data: null },
  ]
  for (const row of old) {
    await sql`insert into cd_history (execution_id, seq, tenant_id, type, step_id, data, at)
      values ('exe_1', ${row.seq}, 'ten_1', ${row.type}, ${row.step_id}, ${row.data}, ${1_700_000_000_000 + row.seq})`.execute(
      database.db,
    )
  }
  const report = await database.migrate(platformMigrations)
  expect(report.applied).toEqual([conductorTransitionsMigration.name])
  const rows = (await sql<TransitionsTable>`select * from cd_transitions order by seq`.execute(database.db))
    .rows
  expect(historyEntries(rows, 1)).toEqual([
    { seq: 2, type: 'step.started', stepId: 's1', data: { type: 'task' }, at: 1_700_000_000_002 },
    { seq: 3, type: 'workflow.paused', at: 1_700_000_000_003, ...nullsOf(rows[2]!) },
  ])
  expect(rows.map((r) => [r.execution_id, Number(r.seq), r.tenant_id])).toEqual([
    ['exe_1', 1, 'ten_1'],
    ['exe_1', 2, 'ten_1'],
    ['exe_1', 3, 'ten_1'],
  ])
}

/** SQLite keeps an absent step and data as JSON nulls, PostgreSQL strips them: both read back as null. */
function nullsOf(row: TransitionsTable): Record<string, null> {
  const entry = (JSON.parse(row.entries) as Record<string, unknown>[])[0]!
  return Object.fromEntries(['stepId', 'data'].filter((key) => key in entry).map((key) => [key, null]))
}

describe('Conductor history migration to one row per transition', () => {
  it('converts history on SQLite', async () => {
    const database = await createSqliteDatabase({ url: 'sqlite::memory:' })
    try {
      await migratesOldHistory(database)
    } finally {
      await database.close()
    }
  })

  describe.skipIf(!realPostgresUrl)('on PostgreSQL', () => {
    const schema = realPostgresUrl ? freshPostgresSchema(realPostgresUrl) : undefined
    afterAll(() => schema?.drop())

    it('converts history on PostgreSQL', async () => {
      const database = await createPostgresDatabase({ url: schema!.url })
      try {
        await migratesOldHistory(database)
      } finally {
        await database.close()
      }
    })
  })
})
