import type { LightMyRequestResponse } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'

const route = 'GET /api/v1/auth/me'
const configPolicies = JSON.stringify([
  { name: 'me-per-user', scope: 'user', limit: 100, windowSeconds: 3600, routes: [route] },
  { name: 'health-per-ip', scope: 'ip', limit: 3, windowSeconds: 3600, routes: ['/health'] },
])
const env = { SYMPHAINY_RATE_LIMIT_POLICIES: configPolicies }

const me = (node: Platform, headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
  node.gateway.inject({ method: 'GET', url: '/api/v1/auth/me', headers, remoteAddress })

function statuses(responses: LightMyRequestResponse[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const r of responses) counts[r.statusCode] = (counts[r.statusCode] ?? 0) + 1
  return counts
}

async function putPolicy(node: Platform, admin: Account, name: string, body: Record<string, unknown>) {
  const response = await node.gateway.inject({
    method: 'PUT',
    url: `/api/v1/rate-limits/${name}`,
    headers: admin.auth,
    payload: body,
  })
  expect(response.statusCode, response.body).toBe(201)
}

async function apiKey(node: Platform, owner: Account): Promise<{ authorization: string }> {
  const created = await node.gateway.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: owner.auth,
    payload: { name: 'limited key' },
  })
  return { authorization: `ApiKey ${created.json<{ key: string }>().key}` }
}

describeOnProfiles('rate limiting through the gateway', (profile) => {
  let node: Platform

  beforeAll(async () => {
    node = await profile.startNode(env)
  })

  it('500 concurrent requests against a limit of 100 admit exactly 100', async () => {
    const user = await signUp(node.gateway)
    const responses = await Promise.all(Array.from({ length: 500 }, () => me(node, user.auth)))
    expect(statuses(responses)).toEqual({ 200: 100, 429: 400 })
  })

  it('answers RateLimit-* on admitted responses and Retry-After with RATE_LIMITED on 429', async () => {
    const user = await signUp(node.gateway)
    const first = await me(node, user.auth)
    expect(first.statusCode).toBe(200)
    expect(first.headers['ratelimit-limit']).toBe('100')
    expect(first.headers['ratelimit-remaining']).toBe('99')
    expect(Number(first.headers['ratelimit-reset'])).toBe(36)
    expect(first.headers['retry-after']).toBeUndefined()
    await Promise.all(Array.from({ length: 99 }, () => me(node, user.auth)))
    const refused = await me(node, user.auth)
    expect(refused.statusCode).toBe(429)
    expect(errorCode(refused)).toBe('RATE_LIMITED')
    expect(refused.json<{ error: { details: { policy: string } } }>().error.details.policy).toBe(
      'config:me-per-user',
    )
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(35)
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(36)
    expect(refused.headers['ratelimit-remaining']).toBe('0')
    expect(refused.headers['ratelimit-limit']).toBe('100')
    const unlimited = await node.gateway.inject({ method: 'GET', url: '/api/v1/roles', headers: user.auth })
    expect(unlimited.statusCode).toBe(200)
    expect(unlimited.headers['ratelimit-limit']).toBeUndefined()
  })

  it('an ip policy from configuration limits unauthenticated requests per client address', async () => {
    const health = (ip: string) => node.gateway.inject({ method: 'GET', url: '/health', remoteAddress: ip })
    const fromA = []
    for (let i = 0; i < 4; i++) fromA.push((await health('10.1.1.1')).statusCode)
    expect(fromA).toEqual([200, 200, 200, 429])
    expect((await health('10.1.1.2')).statusCode).toBe(200)
  })

  describe('tenant policies isolate by scope', () => {
    const limitedRoute = { limit: 2, windowSeconds: 3600, routes: ['GET /api/v1/roles'] }
    const roles = (headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
      node.gateway.inject({ method: 'GET', url: '/api/v1/roles', headers, remoteAddress })
    const codes = async (headers: Record<string, string>, n: number, ip?: string) => {
      const out: number[] = []
      for (let i = 0; i < n; i++) out.push((await roles(headers, ip)).statusCode)
      return out
    }

    it('per user: each user of the tenant has their own quota; other tenants are untouched', async () => {
      const admin = await signUp(node.gateway)
      const other = await addUser(node.gateway, admin, ['member'])
      const outsider = await signUp(node.gateway)
      await putPolicy(node, admin, 'roles-per-user', { scope: 'user', ...limitedRoute })
      expect(await codes(admin.auth, 3)).toEqual([200, 200, 429])
      expect(await codes(other.auth, 3)).toEqual([200, 200, 429])
      expect(await codes(outsider.auth, 3)).toEqual([200, 200, 200])
    })

    it('per API key: each key has its own quota; the owner’s token is not an API key', async () => {
      const admin = await signUp(node.gateway)
      const [keyA, keyB] = [await apiKey(node, admin), await apiKey(node, admin)]
      await putPolicy(node, admin, 'roles-per-key', { scope: 'apiKey', ...limitedRoute })
      expect(await codes(keyA, 3)).toEqual([200, 200, 429])
      expect(await codes(keyB, 3)).toEqual([200, 200, 429])
      expect(await codes(admin.auth, 3)).toEqual([200, 200, 200])
    })

    it('per tenant: all principals of the tenant share one quota', async () => {
      const admin = await signUp(node.gateway)
      const other = await addUser(node.gateway, admin, ['member'])
      const key = await apiKey(node, admin)
      const outsider = await signUp(node.gateway)
      await putPolicy(node, admin, 'roles-per-tenant', { scope: 'tenant', ...limitedRoute })
      expect(await codes(admin.auth, 1)).toEqual([200])
      expect(await codes(key, 1)).toEqual([200])
      expect(await codes(other.auth, 1)).toEqual([429])
      expect(await codes(outsider.auth, 3)).toEqual([200, 200, 200])
    })

    it('per IP: each client address has its own quota within the tenant', async () => {
      const admin = await signUp(node.gateway)
      await putPolicy(node, admin, 'roles-per-ip', { scope: 'ip', ...limitedRoute })
      expect(await codes(admin.auth, 3, '10.2.0.1')).toEqual([200, 200, 429])
      expect(await codes(admin.auth, 3, '10.2.0.2')).toEqual([200, 200, 429])
    })

    it('with several matching policies, a refusal by one consumes nothing of the others', async () => {
      const admin = await signUp(node.gateway)
      await putPolicy(node, admin, 'tight', { scope: 'ip', ...limitedRoute })
      await putPolicy(node, admin, 'loose', { scope: 'user', ...limitedRoute, limit: 4 })
      expect(await codes(admin.auth, 5, '10.3.0.1')).toEqual([200, 200, 429, 429, 429])
      const next = await roles(admin.auth, '10.3.0.2')
      expect(next.statusCode).toBe(200)
      expect(next.headers['ratelimit-remaining']).toBe('1')
    })
  })

  it.skipIf(!profile.canShareNodes)('two nodes splitting 500 requests admit exactly 100', async () => {
    const second = await profile.startNode(env)
    const user = await signUp(node.gateway)
    const responses = await Promise.all(
      Array.from({ length: 500 }, (_, i) => me(i % 2 === 0 ? node : second, user.auth)),
    )
    expect(statuses(responses)).toEqual({ 200: 100, 429: 400 })
  })

  it.skipIf(!profile.canShareNodes)('a policy put on one node applies on another at once', async () => {
    const second = await profile.startNode(env)
    const admin = await signUp(node.gateway)
    const roles = (n: Platform) =>
      n.gateway.inject({ method: 'GET', url: '/api/v1/roles', headers: admin.auth })
    expect((await roles(second)).headers['ratelimit-limit']).toBeUndefined()
    await putPolicy(node, admin, 'late', {
      scope: 'user',
      limit: 1,
      windowSeconds: 60,
      routes: ['/api/v1/roles'],
    })
    expect((await roles(second)).statusCode).toBe(200)
    expect((await roles(second)).statusCode).toBe(429)
  })
})
