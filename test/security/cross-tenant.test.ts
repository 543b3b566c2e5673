import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { crossTenantSweep, idBearingRoutes } from '../support/cross-tenant-sweep.js'
import { type Account, addUser, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'

describeOnProfiles('cross-tenant isolation', (profile) => {
  let node: Platform
  let victim: Account
  let victimMember: Account
  let attacker: Account
  let victimKeyId: string

  beforeAll(async () => {
    node = await profile.startNode()
    victim = await signUp(node.gateway, { tenantName: 'Victim Corp' })
    victimMember = await addUser(node.gateway, victim, ['member'], 'victim-member')
    attacker = await signUp(node.gateway, { tenantName: 'Attacker Corp' })
    const key = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: victim.auth,
      payload: { name: 'victim key', roles: ['viewer'] },
    })
    victimKeyId = key.json<{ id: string }>().id
  })

  it('every id-bearing route answers 404 to another tenant, and the victim tenant is unchanged', async () => {
    const result = await crossTenantSweep({
      gateway: node.gateway,
      database: node.infra.database,
      victimTenantId: victim.tenantId,
      attackerAuth: attacker.auth,
      cases: {
        'GET /api/v1/users/:id': { params: { id: victimMember.userId } },
        'PATCH /api/v1/users/:id': {
          params: { id: victimMember.userId },
          body: { name: 'pwned', roles: ['admin'], status: 'disabled', password: 'an attacker passphrase' },
        },
        'DELETE /api/v1/users/:id': { params: { id: victimMember.userId } },
        'DELETE /api/v1/api-keys/:id': { params: { id: victimKeyId } },
      },
      exempt: {
        'GET /api/v1/services/:name': 'the service registry is platform-wide, not tenant data',
        'PUT /api/v1/roles/:name': "role names are a per-tenant namespace: B's PUT defines B's own role",
        'DELETE /api/v1/roles/:name':
          "role names are a per-tenant namespace: B's DELETE addresses B's own role",
      },
    })
    expect(result.missingCases).toEqual([])
    expect(result.failures).toEqual([])
    expect(result.checked.length).toBeGreaterThanOrEqual(4)
    expect(result.victimRowsBefore).toBeGreaterThan(0)
    expect(result.victimChanged).toBe(false)
  })

  it('fails loudly when an id-bearing route has no sweep case', async () => {
    const result = await crossTenantSweep({
      gateway: node.gateway,
      database: node.infra.database,
      victimTenantId: victim.tenantId,
      attackerAuth: attacker.auth,
      cases: {},
      exempt: {},
    })
    expect(result.missingCases).toEqual(expect.arrayContaining(idBearingRoutes(node.gateway)))
  })

  it('notices a route that answers another tenant (the sweep can fail)', async () => {
    const result = await crossTenantSweep({
      gateway: node.gateway,
      database: node.infra.database,
      victimTenantId: victim.tenantId,
      attackerAuth: victim.auth,
      cases: { 'GET /api/v1/users/:id': { params: { id: victimMember.userId } } },
      exempt: {},
    })
    expect(result.failures.some((f) => f.startsWith('GET /api/v1/users/:id -> 200'))).toBe(true)
  })

  it("B's own role named like A's does not touch A's role", async () => {
    const put = (auth: Record<string, string>, permissions: string[]) =>
      node.gateway.inject({
        method: 'PUT',
        url: '/api/v1/roles/analyst',
        headers: auth,
        payload: { permissions },
      })
    expect((await put(victim.auth, ['dataset:read'])).statusCode).toBe(201)
    expect((await put(attacker.auth, ['*:*'])).statusCode).toBe(201)
    const roles = await node.gateway.inject({ method: 'GET', url: '/api/v1/roles', headers: victim.auth })
    const analyst = roles
      .json<{ items: { name: string; permissions: string[] }[] }>()
      .items.find((r) => r.name === 'analyst')
    expect(analyst?.permissions).toEqual(['dataset:read'])
  })
})
