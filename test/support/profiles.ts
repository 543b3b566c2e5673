import { afterAll, describe } from 'vitest'
import { loadConfig } from '../../src/kernel/config.js'
import { createPlatform, type Platform, type PlatformOptions } from '../../src/platform.js'
import { freshPostgresSchema, realPostgresUrl, realRedisUrl, uniqueName } from './real-servers.js'

/**
 * Runs a behaviour suite once per storage profile, as shared/DESIGN.md asks: `embedded` (SQLite in memory,
 * in-process key-value) always, `scaled` (real PostgreSQL and Redis) when those servers are there. A suite can
 * start several nodes that share one store (the `scaled` profile shares PostgreSQL and Redis; `embedded` nodes
 * cannot share and the suite must skip such tests there).
 */
export interface ProfileContext {
  readonly name: 'embedded' | 'scaled'
  readonly canShareNodes: boolean
  /** Starts a platform node; every node started in one `describeOnProfiles` block shares the same stores. */
  startNode(env?: Record<string, string>, options?: PlatformOptions): Promise<Platform>
}

const baseEnv = {
  SYMPHAINY_FILES_URL: 'memory:',
  LOG_LEVEL: 'silent',
  SYMPHAINY_SCRYPT_LOG_N: '12',
}

export function describeOnProfiles(title: string, suite: (profile: ProfileContext) => void): void {
  describe(`${title} [embedded]`, () => {
    const nodes: Platform[] = []
    afterAll(async () => {
      for (const node of nodes.reverse()) await node.close()
    })
    suite({
      name: 'embedded',
      canShareNodes: false,
      async startNode(env = {}, options = {}) {
        const node = await createPlatform(
          loadConfig({ env: { ...baseEnv, SYMPHAINY_DATABASE_URL: 'sqlite::memory:', ...env } }),
          options,
        )
        nodes.push(node)
        return node
      },
    })
  })

  describe.skipIf(!realPostgresUrl || !realRedisUrl)(`${title} [scaled]`, () => {
    const nodes: Platform[] = []
    const schema = realPostgresUrl ? freshPostgresSchema(realPostgresUrl) : undefined
    const prefix = `${uniqueName('t')}:`
    afterAll(async () => {
      for (const node of nodes.reverse()) await node.close()
      await schema?.drop()
    })
    suite({
      name: 'scaled',
      canShareNodes: true,
      async startNode(env = {}, options = {}) {
        const node = await createPlatform(
          loadConfig({
            env: {
              ...baseEnv,
              SYMPHAINY_DATABASE_URL: schema!.url,
              SYMPHAINY_REDIS_URL: realRedisUrl!,
              SYMPHAINY_REDIS_PREFIX: prefix,
              ...env,
            },
          }),
          options,
        )
        nodes.push(node)
        return node
      },
    })
  })
}
