import { expect, it } from 'vitest'
import { createManualClock } from '../../src/kernel/clock.js'
import { createLogger } from '../../src/kernel/logger.js'
import { createMemoryKeyValueStore } from '../../src/adapters/memory/key-value-store.js'
import { createRedisKeyValueStore } from '../../src/adapters/redis/key-value-store.js'
import { compilePolicy } from '../../src/smart-city/traffic-cop/rate-limits/compiled-policy.js'
import {
  type RateLimitDecision,
  createLimiter,
} from '../../src/smart-city/traffic-cop/rate-limits/limiter.js'
import type { PlatformError } from '../../src/kernel/errors.js'
import { errorCode, signUp, strongPassword } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'

const policies = [
  {
    name: 'login-ip',
    scope: 'ip' as const,
    limit: 100,
    windowSeconds: 60,
    routes: ['POST /api/v1/auth/login'],
  },
  { name: 'health-ip', scope: 'ip' as const, limit: 100, windowSeconds: 60, routes: ['/health'] },
]
const env = { SYMPHAINY_RATE_LIMIT_POLICIES: JSON.stringify(policies) }
const login = { email: 'nobody@example.com', password: strongPassword }
const ask = (method: string, path: string) => ({ method, path, ip: '10.0.0.1', principal: null })

describeOnProfiles('rate limiting with the key-value store down', (profile) => {
  // The platform cannot start against an unreachable Redis (other modules need it at start), so the gateway
  // suites lose the store after start-up; the limiter itself is also run against an unreachable Redis.
  it('through the gateway: fails open by default, except login which fails closed', async () => {
    const node = await profile.startNode(env)
    await node.infra.keyValue.close()
    const health = await node.gateway.inject({ method: 'GET', url: '/health' })
    expect(health.statusCode).toBe(200)
    expect(health.headers['ratelimit-limit']).toBeUndefined()
    const refused = await node.gateway.inject({ method: 'POST', url: '/api/v1/auth/login', payload: login })
    expect(refused.statusCode).toBe(503)
    expect(errorCode(refused)).toBe('RATE_LIMIT_UNAVAILABLE')
  })

  it('through the gateway: a verified token seen before is not admitted once the store is gone', async () => {
    const node = await profile.startNode(env)
    const account = await signUp(node.gateway)
    const principal = () =>
      node.gateway.inject({ method: 'GET', url: '/api/v1/auth/principal', headers: account.auth })
    expect((await principal()).statusCode).toBe(200)
    expect((await principal()).statusCode).toBe(200)
    await node.infra.keyValue.close()
    const refused = await principal()
    expect(refused.statusCode).toBe(503)
    expect(errorCode(refused)).toBe('STORAGE_UNAVAILABLE')
  })

  it('through the gateway: fails closed everywhere with SYMPHAINY_RATE_LIMIT_ON_STORE_ERROR=closed', async () => {
    const node = await profile.startNode({ ...env, SYMPHAINY_RATE_LIMIT_ON_STORE_ERROR: 'closed' })
    await node.infra.keyValue.close()
    const health = await node.gateway.inject({ method: 'GET', url: '/health' })
    expect(health.statusCode).toBe(503)
    expect(errorCode(health)).toBe('RATE_LIMIT_UNAVAILABLE')
    const unlimited = await node.gateway.inject({ method: 'GET', url: '/metrics' })
    expect(unlimited.statusCode).toBe(200)
  })

  const unreachable = {
    'redis://127.0.0.1:1': () => createRedisKeyValueStore({ url: 'redis://127.0.0.1:1' }),
    // An in-process store decides synchronously; once closed, its failures must still come as rejections.
    'a closed memory store': () => {
      const store = createMemoryKeyValueStore({ clock: createManualClock() })
      void store.close()
      return store
    },
  }

  it.each(
    (['open', 'closed'] as const).flatMap((setting) =>
      Object.keys(unreachable).map((store) => [setting, store as keyof typeof unreachable] as const),
    ),
  )(
    'with %s against %s: login fails closed, other routes follow the setting',
    async (onStoreError, store) => {
      const keyValue = unreachable[store]()
      const limiter = createLimiter({
        keyValue,
        clock: createManualClock(),
        logger: createLogger({ level: 'silent' }),
        configPolicies: policies.map((p) => compilePolicy(p, null)),
        onStoreError,
        loadTenantPolicies: () => Promise.resolve([]),
      })
      const check = (method: string, path: string) => {
        const decision = limiter.check(ask(method, path))
        expect(decision).toBeInstanceOf(Promise)
        return decision as Promise<RateLimitDecision | null>
      }
      try {
        const loginError = await check('POST', '/api/v1/auth/login').catch((e: PlatformError) => e)
        expect(loginError).toMatchObject({ code: 'RATE_LIMIT_UNAVAILABLE', kind: 'unavailable' })
        const health = check('GET', '/health')
        if (onStoreError === 'open') expect(await health).toBeNull()
        else await expect(health).rejects.toMatchObject({ code: 'RATE_LIMIT_UNAVAILABLE' })
        expect(await limiter.check(ask('GET', '/unlimited'))).toBeNull()
      } finally {
        await keyValue.close()
      }
    },
  )
})
