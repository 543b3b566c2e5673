import { beforeAll, expect, it } from 'vitest'
import { loadConfig } from '../../src/kernel/config.js'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'

const body = {
  scope: 'user',
  limit: 10,
  windowSeconds: 60,
  routes: ['GET /api/v1/sessions', '/api/v1/documents*'],
}
const configPolicy = { name: 'global', scope: 'ip', limit: 1000, windowSeconds: 60, routes: ['/health'] }

describeOnProfiles('rate-limit policies API', (profile) => {
  let node: Platform
  let admin: Account
  let outsider: Account

  const call = (method: 'GET' | 'PUT' | 'DELETE', path: string, who: Account, payload?: unknown) =>
    node.gateway.inject({
      method,
      url: `/api/v1/rate-limits${path}`,
      headers: who.auth,
      ...(payload !== undefined && { payload: payload as Record<string, unknown> }),
    })

  beforeAll(async () => {
    node = await profile.startNode({ SYMPHAINY_RATE_LIMIT_POLICIES: JSON.stringify([configPolicy]) })
    admin = await signUp(node.gateway)
    outsider = await signUp(node.gateway)
  })

  it('creates, replaces, lists and deletes a tenant policy', async () => {
    const created = await call('PUT', '/docs-limit', admin, body)
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({ name: 'docs-limit', source: 'tenant', ...body })
    const replaced = await call('PUT', '/docs-limit', admin, { ...body, limit: 20 })
    expect(replaced.statusCode).toBe(200)
    expect(replaced.json()).toMatchObject({ limit: 20 })
    const list = await call('GET', '', admin)
    expect(list.statusCode).toBe(200)
    expect(list.json<{ items: unknown[] }>().items).toEqual([
      { ...configPolicy, source: 'config', createdAt: null, updatedAt: null },
      expect.objectContaining({ name: 'docs-limit', limit: 20, source: 'tenant' }),
    ])
    expect((await call('DELETE', '/docs-limit', admin)).statusCode).toBe(204)
    const gone = await call('DELETE', '/docs-limit', admin)
    expect(gone.statusCode).toBe(404)
    expect(errorCode(gone)).toBe('RATE_LIMIT_POLICY_NOT_FOUND')
    expect((await call('DELETE', '/global', admin)).statusCode).toBe(404)
  })

  it.each([
    ['an unknown scope', { ...body, scope: 'planet' }],
    ['a zero limit', { ...body, limit: 0 }],
    ['a fractional window', { ...body, windowSeconds: 1.5 }],
    ['a window over a day', { ...body, windowSeconds: 86_401 }],
    ['no routes', { ...body, routes: [] }],
    ['a wildcard inside a route', { ...body, routes: ['/api/*/x'] }],
    ['a route without a leading slash', { ...body, routes: ['GET api/v1/x'] }],
    ['an unknown method', { ...body, routes: ['FETCH /x'] }],
    ['an unknown field', { ...body, burst: 3 }],
    ['a missing field', { scope: 'user', limit: 3, routes: ['/x'] }],
  ])('refuses %s with 400', async (_title, payload) => {
    const response = await call('PUT', '/bad', admin, payload)
    expect(response.statusCode).toBe(400)
    expect(errorCode(response)).toBe('VALIDATION_FAILED')
  })

  it('refuses a bad policy name with 400', async () => {
    expect((await call('PUT', '/Bad_Name', admin, body)).statusCode).toBe(400)
  })

  it('needs rate-limit permissions: members get 403', async () => {
    const member = await addUser(node.gateway, admin, ['member'])
    expect((await call('GET', '', member)).statusCode).toBe(403)
    expect((await call('PUT', '/x', member, body)).statusCode).toBe(403)
    expect((await call('DELETE', '/x', member)).statusCode).toBe(403)
  })

  it("another tenant never sees, changes or deletes a tenant's policies", async () => {
    expect((await call('PUT', '/private', admin, body)).statusCode).toBe(201)
    const names = (await call('GET', '', outsider))
      .json<{ items: { name: string }[] }>()
      .items.map((p) => p.name)
    expect(names).toEqual(['global'])
    expect((await call('DELETE', '/private', outsider)).statusCode).toBe(404)
    expect((await call('PUT', '/private', outsider, { ...body, limit: 1 })).statusCode).toBe(201)
    const mine = (await call('GET', '', admin)).json<{ items: { name: string; limit: number }[] }>().items
    expect(mine.find((p) => p.name === 'private')?.limit).toBe(10)
  })
})

it('configuration policies are validated at start-up with a fix for each problem', () => {
  const load = (value: string) => () =>
    loadConfig({
      env: { SYMPHAINY_RATE_LIMIT_POLICIES: value, SYMPHAINY_RATE_LIMIT_ON_STORE_ERROR: 'maybe' },
    })
  expect(load('not json')).toThrow(
    /SYMPHAINY_RATE_LIMIT_POLICIES.*not JSON.*SYMPHAINY_RATE_LIMIT_ON_STORE_ERROR/,
  )
  expect(load('[{"name":"a","scope":"moon","limit":0,"windowSeconds":1,"routes":["x*y"]}]')).toThrow(
    /policy "a": scope must be one of.*policy "a": limit must be.*policy "a": route "x\*y"/,
  )
  const config = loadConfig({ env: { SYMPHAINY_RATE_LIMIT_POLICIES: JSON.stringify([configPolicy]) } })
  expect(config.trafficCop.rateLimitPolicies).toEqual([configPolicy])
  expect(config.trafficCop.rateLimitOnStoreError).toBe('open')
})
