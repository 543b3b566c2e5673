import type { TestProject } from 'vitest/node'
import { Redis } from 'ioredis'
import pg from 'pg'

/**
 * Finds the real Redis and PostgreSQL the suites need. URLs come from SYMPHAINY_TEST_REDIS_URL and
 * SYMPHAINY_TEST_DATABASE_URL, or the loopback defaults. With CI=true a missing server fails the run; otherwise the
 * suites that need it skip, announced by one printed line.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | null
    postgresUrl: string | null
  }
}

const defaultRedisUrl = 'redis://127.0.0.1:6379/15'
const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres'

export default async function setup(project: TestProject): Promise<void> {
  const ci = process.env['CI'] === 'true'
  const redisUrl = process.env['SYMPHAINY_TEST_REDIS_URL'] ?? defaultRedisUrl
  const postgresUrl = process.env['SYMPHAINY_TEST_DATABASE_URL'] ?? defaultPostgresUrl
  const [redisProblem, postgresProblem] = await Promise.all([
    probeRedis(redisUrl),
    probePostgres(postgresUrl),
  ])
  const missing = [
    redisProblem && `Redis at ${redisUrl} (${redisProblem})`,
    postgresProblem && `PostgreSQL at ${postgresUrl} (${postgresProblem})`,
  ].filter(Boolean)
  if (missing.length > 0) {
    if (ci) throw new Error(`CI=true requires real servers, but these are unreachable: ${missing.join('; ')}`)
    console.log(
      `Skipping the real-server suites: no ${missing.join(' and no ')}. Set SYMPHAINY_TEST_*_URL to run them.`,
    )
  }
  project.provide('redisUrl', redisProblem ? null : redisUrl)
  project.provide('postgresUrl', postgresProblem ? null : postgresUrl)
}

async function probeRedis(url: string): Promise<string | null> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1500,
    retryStrategy: () => null,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.ping()
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    client.disconnect()
  }
}

async function probePostgres(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('select 1')
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}
