import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/kernel/config.js'
import { createPlatform } from '../../src/platform.js'
import { freshPostgresSchema, realPostgresUrl, realRedisUrl } from '../support/real-servers.js'

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

function embeddedEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'symphainy-profile-'))
  return {
    SYMPHAINY_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    SYMPHAINY_FILES_URL: `file:${join(dir, 'files')}`,
    LOG_LEVEL: 'silent',
  }
}

async function readyBody(env: Record<string, string>) {
  const platform = await createPlatform(loadConfig({ env }))
  cleanups.push(() => platform.close())
  const response = await platform.gateway.inject({ method: 'GET', url: '/ready' })
  return {
    status: response.statusCode,
    body: response.json<{
      healthPercentage: number
      services: Record<string, { status: string; details: Record<string, string> }>
    }>(),
    platform,
  }
}

describe('whole platform per storage profile', () => {
  it('embedded: SQLite file, folder files, in-process key-value and pub/sub are all up', async () => {
    const { status, body, platform } = await readyBody(embeddedEnv())
    expect(status).toBe(200)
    expect(body.services['nurse']?.details).toEqual({
      database: 'up',
      keyValue: 'up',
      pubSub: 'up',
      files: 'up',
    })
    expect(platform.infra.database.dialect).toBe('sqlite')
  })

  describe.skipIf(!realPostgresUrl || !realRedisUrl)('scaled out (real PostgreSQL and Redis)', () => {
    it('PostgreSQL, Redis and a shared folder are all up', async () => {
      const schema = freshPostgresSchema(realPostgresUrl!)
      cleanups.push(schema.drop)
      const { status, body, platform } = await readyBody({
        ...embeddedEnv(),
        SYMPHAINY_DATABASE_URL: schema.url,
        SYMPHAINY_REDIS_URL: realRedisUrl!,
      })
      expect(status).toBe(200)
      expect(body.healthPercentage).toBe(100)
      expect(body.services['nurse']?.details).toEqual({
        database: 'up',
        keyValue: 'up',
        pubSub: 'up',
        files: 'up',
      })
      expect(platform.infra.database.dialect).toBe('postgres')
    })
  })

  it('an unreachable Redis makes the Nurse unhealthy and /ready answer 503 with the reason', async () => {
    const { status, body } = await readyBody({ ...embeddedEnv(), SYMPHAINY_REDIS_URL: 'redis://127.0.0.1:1' })
    expect(status).toBe(503)
    expect(body.healthPercentage).toBeLessThan(80)
    expect(body.services['nurse']?.status).toBe('unhealthy')
    expect(body.services['nurse']?.details['keyValue']).toMatch(/^down: /)
    expect(body.services['nurse']?.details['database']).toBe('up')
  })
})
