import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase } from '../../src/adapters/postgres/sql-database.js'
import { platformMigrations } from '../../src/platform.js'
import { freshPostgresSchema, realPostgresUrl } from '../support/real-servers.js'

describe.skipIf(!realPostgresUrl)('Conductor tables on PostgreSQL', () => {
  const schema = realPostgresUrl ? freshPostgresSchema(realPostgresUrl) : undefined
  afterAll(() => schema?.drop())

  it('leave half of each execution page free for the next versions of its rows', async () => {
    const database = await createPostgresDatabase({ url: schema!.url })
    try {
      await database.migrate(platformMigrations)
      const { rows } = await sql<{ relname: string; reloptions: string[] | null }>`
        select relname, reloptions from pg_class
        where relnamespace = current_schema()::regnamespace and relname in ('cd_executions', 'cd_transitions')
        order by relname`.execute(database.db)
      expect(rows).toEqual([
        { relname: 'cd_executions', reloptions: ['fillfactor=50'] },
        { relname: 'cd_transitions', reloptions: null },
      ])
    } finally {
      await database.close()
    }
  })
})
