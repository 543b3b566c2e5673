import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeAll, expect, it } from 'vitest'
import type { Gateway } from '../../src/gateway/build-gateway.js'
import { type ManualClock, createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import {
  type Account,
  addUser,
  errorCode,
  logIn,
  signUp,
  strongPassword,
  uniqueEmail,
} from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { auditEvents, createLeakWatch, putRole, requestIdOf, watchedGateway } from './guard-support.js'

/**
 * Custom roles (built-ins are fixed, permission strings are validated, roles in use stay) and the audit log
 * (who did what, from where, in which request; newest first; per tenant; admins only). The clock is manual and
 * moved 1 ms between audited steps, so "newest first" has a single right answer.
 */
describeOnProfiles('roles and the audit log', (profile) => {
  let node: Platform
  let gateway: Gateway
  let clock: ManualClock
  let admin: Account
  let member: Account
  const watch = createLeakWatch()

  const put = (auth: Record<string, string>, name: string, body: object) =>
    gateway.inject({ method: 'PUT', url: `/api/v1/roles/${name}`, headers: auth, payload: body })
  const remove = (name: string) =>
    gateway.inject({ method: 'DELETE', url: `/api/v1/roles/${name}`, headers: admin.auth })
  const check = (who: Account, resource: string, action: string) =>
    gateway.inject({
      method: 'POST',
      url: '/api/v1/permissions/check',
      headers: who.auth,
      payload: { resource, action },
    })

  beforeAll(async () => {
    clock = createManualClock(Date.now())
    node = await profile.startNode({}, { clock })
    gateway = watchedGateway(node.gateway, watch)
    admin = await signUp(gateway)
    member = await addUser(gateway, admin, ['member'], 'member')
  })

  afterEach(() => {
    expect(watch.take()).toEqual([])
  })

  it('GET /roles lists the built-in roles and the tenant custom roles', async () => {
    await putRole(gateway, admin, 'analyst', ['dataset:read', 'journey:*'])
    const response = await gateway.inject({ method: 'GET', url: '/api/v1/roles', headers: member.auth })
    expect(response.statusCode).toBe(200)
    const items = response.json<{ items: { name: string; builtIn: boolean; permissions: string[] }[] }>()
      .items
    expect(items.filter((r) => r.builtIn).map((r) => r.name)).toEqual(['admin', 'member', 'viewer'])
    expect(items.find((r) => r.name === 'admin')?.permissions).toEqual(['*:*'])
    expect(items.find((r) => r.name === 'analyst')).toMatchObject({
      builtIn: false,
      permissions: ['dataset:read', 'journey:*'],
    })
  })

  it('built-in roles cannot be changed or deleted', async () => {
    for (const name of ['admin', 'member', 'viewer']) {
      const response = await put(admin.auth, name, { permissions: ['file:read'] })
      expect(response.statusCode, name).toBe(409)
      expect(errorCode(response)).toBe('ROLE_BUILT_IN')
      expect((await remove(name)).statusCode).toBe(409)
    }
  })

  it('malformed permission strings and role names are 400', async () => {
    for (const permission of [
      'File:read',
      'file',
      'file:read:x',
      '__proto__:x',
      ':read',
      'file:',
      ' file:read',
      '',
    ]) {
      const response = await put(admin.auth, 'bad-role', { permissions: [permission] })
      expect(response.statusCode, permission).toBe(400)
      expect(errorCode(response)).toBe('VALIDATION_FAILED')
    }
    for (const name of ['Admin', 'a', '__proto__', 'x_y']) {
      expect((await put(admin.auth, name, { permissions: [] })).statusCode, name).toBe(400)
    }
    const names = (await gateway.inject({ method: 'GET', url: '/api/v1/roles', headers: admin.auth })).body
    expect(names).not.toContain('bad-role')
  })

  it('a role in use by a user or an API key is 409; unused is 204; unknown is 404', async () => {
    await putRole(gateway, admin, 'held-by-user', ['file:read'])
    await putRole(gateway, admin, 'held-by-key', ['file:read'])
    await putRole(gateway, admin, 'unused', ['file:read'])
    await addUser(gateway, admin, ['held-by-user'], 'holder')
    const key = await gateway.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: admin.auth,
      payload: { name: 'holder', roles: ['held-by-key'] },
    })
    expect(key.statusCode).toBe(201)
    for (const name of ['held-by-user', 'held-by-key']) {
      const response = await remove(name)
      expect(response.statusCode, name).toBe(409)
      expect(errorCode(response)).toBe('ROLE_IN_USE')
    }
    expect((await remove('unused')).statusCode).toBe(204)
    const unknown = await remove('unused')
    expect(unknown.statusCode).toBe(404)
    expect(errorCode(unknown)).toBe('ROLE_NOT_FOUND')
  })

  it('a custom role change applies to its holders at once, on the token they already have', async () => {
    await putRole(gateway, admin, 'analyst', ['dataset:read'])
    const analyst = await addUser(gateway, admin, ['analyst'], 'analyst')
    expect((await check(analyst, 'file', 'read')).json()).toMatchObject({ allowed: false })
    const listRoles = () => gateway.inject({ method: 'GET', url: '/api/v1/roles', headers: analyst.auth })
    expect((await listRoles()).statusCode).toBe(403)

    const changed = await put(admin.auth, 'analyst', {
      permissions: ['dataset:read', 'file:read', 'role:read'],
    })
    expect(changed.statusCode).toBe(200)
    expect((await check(analyst, 'file', 'read')).json()).toMatchObject({ allowed: true })
    expect((await listRoles()).statusCode).toBe(200)

    await putRole(gateway, admin, 'analyst', ['dataset:read'])
    expect((await check(analyst, 'file', 'read')).json()).toMatchObject({ allowed: false })
    expect((await listRoles()).statusCode).toBe(403)
  })

  it('records signup, user, role, API key and denial events with actor, target, ip and request id, newest first', async () => {
    const steps: { action: string; response: LightMyRequestResponse }[] = []
    const step = async (action: string, run: () => Promise<LightMyRequestResponse>) => {
      clock.advance(1)
      const response = await run()
      if (response.statusCode >= 500) throw new Error(response.body)
      steps.push({ action, response })
      return response
    }
    const email = uniqueEmail('audited')
    const signup = await step('auth.signup', () =>
      gateway.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email, password: strongPassword, name: 'Audited Admin' },
      }),
    )
    clock.advance(1)
    const owner = await logIn(gateway, email, strongPassword)
    const tenantId = signup.json<{ tenant: { id: string } }>().tenant.id
    const created = await step('user.create', () =>
      gateway.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: owner.auth,
        payload: {
          email: uniqueEmail('audited-member'),
          password: strongPassword,
          name: 'M',
          roles: ['member'],
        },
      }),
    )
    const createdId = created.json<{ id: string; email: string }>().id
    await step('user.update', () =>
      gateway.inject({
        method: 'PATCH',
        url: `/api/v1/users/${createdId}`,
        headers: owner.auth,
        payload: { name: 'N' },
      }),
    )
    await step('role.put', () => put(owner.auth, 'auditor', { permissions: ['file:read'] }))
    const key = await step('api_key.create', () =>
      gateway.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: owner.auth,
        payload: { name: 'k' },
      }),
    )
    clock.advance(1)
    const createdUser = await logIn(gateway, created.json<{ email: string }>().email, strongPassword)
    const denied = await step('permission.denied', () =>
      gateway.inject({ method: 'GET', url: '/api/v1/audit', headers: createdUser.auth }),
    )
    expect(denied.statusCode).toBe(403)

    const events = await auditEvents(gateway, owner.auth)
    const paged = await auditEvents(gateway, owner.auth, { limit: 2 })
    expect(paged).toEqual(events)
    expect(events.map((e) => e.action)).toEqual([
      'permission.denied',
      'auth.login',
      'api_key.create',
      'role.put',
      'user.update',
      'user.create',
      'auth.login',
      'auth.signup',
    ])
    const times = events.map((e) => Date.parse(e.at))
    expect([...times].sort((a, b) => b - a)).toEqual(times)

    const byRequest = new Map(events.map((e) => [e.requestId, e]))
    const targets: Record<string, unknown> = {
      'auth.signup': { type: 'tenant', id: tenantId },
      'user.create': { type: 'user', id: createdId },
      'user.update': { type: 'user', id: createdId },
      'role.put': { type: 'role', id: 'auditor' },
      'api_key.create': { type: 'api_key', id: key.json<{ id: string }>().id },
      'permission.denied': null,
    }
    for (const { action, response } of steps) {
      const actor = action === 'permission.denied' ? createdUser.userId : owner.userId
      expect(byRequest.get(requestIdOf(response)), action).toMatchObject({
        action,
        actor: { type: 'user', id: actor },
        target: targets[action],
        ip: '127.0.0.1',
      })
    }
    expect(byRequest.get(requestIdOf(denied))?.details).toEqual({
      permission: 'audit:read',
      route: 'GET /api/v1/audit',
    })
    const onlyDenials = await auditEvents(gateway, owner.auth, { action: 'permission.denied' })
    expect(onlyDenials.map((e) => e.requestId)).toEqual([requestIdOf(denied)])
  })

  it("a member gets 403 on /audit, and one tenant never sees another's events", async () => {
    const response = await gateway.inject({ method: 'GET', url: '/api/v1/audit', headers: member.auth })
    expect(response.statusCode).toBe(403)
    expect(errorCode(response)).toBe('PERMISSION_DENIED')

    const other = await signUp(gateway)
    const mine = await auditEvents(gateway, admin.auth)
    const theirs = await auditEvents(gateway, other.auth)
    expect(mine.length).toBeGreaterThan(5)
    expect(theirs.map((e) => e.action).sort()).toEqual(['auth.signup'])
    const mineIds = new Set(mine.map((e) => e.id))
    expect(theirs.filter((e) => mineIds.has(e.id))).toEqual([])
    expect(JSON.stringify(theirs)).not.toContain(admin.userId)
    expect(JSON.stringify(theirs)).not.toContain(member.userId)
  })
})
