import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import pg from 'pg'

/** URLs of the real servers found by global-setup, or null when this run skips their suites. */
export const realRedisUrl: string | null = inject('redisUrl')
export const realPostgresUrl: string | null = inject('postgresUrl')

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`
}

/**
 * A PostgreSQL URL whose connections use a fresh schema (via the adapter's `?schema=` parameter), and a function
 * that drops it. Each suite gets its own schema, so suites run in parallel on one database.
 */
export function freshPostgresSchema(baseUrl: string): { url: string; drop: () => Promise<void> } {
  const schema = uniqueName('t')
  const url = new URL(baseUrl)
  url.searchParams.set('schema', schema)
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl })
      await client.connect()
      try {
        await client.query(`drop schema if exists "${schema}" cascade`)
      } finally {
        await client.end()
      }
    },
  }
}
