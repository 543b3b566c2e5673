import { afterEach, beforeAll, expect, it } from 'vitest'
import type { Gateway } from '../../src/gateway/build-gateway.js'
import { createManualClock } from '../../src/kernel/clock.js'
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
import { createLeakWatch, putRole, watchedGateway } from './guard-support.js'

/**
 * User administration: admins manage the users of their own tenant only (M1), bodies carry no extra properties
 * (M5, mass assignment and prototype keys), a tenant keeps an active admin, delegated user/role administration
 * cannot grant more than its holder has, and no response ever shows a hash or an earlier secret.
 */
interface UserView {
  id: string
  tenantId: string
  email: string
  name: string
  roles: string[]
  status: string
}

describeOnProfiles('user administration', (profile) => {
  let node: Platform
  let gateway: Gateway
  let adminA: Account
  let adminB: Account
  let memberA: Account
  const watch = createLeakWatch()

  const users = (
    auth: Record<string, string>,
    method: 'GET' | 'PATCH' | 'DELETE',
    id: string,
    payload?: object,
  ) => gateway.inject({ method, url: `/api/v1/users/${id}`, headers: auth, ...(payload && { payload }) })
  const createUser = (auth: Record<string, string>, payload: object) =>
    gateway.inject({ method: 'POST', url: '/api/v1/users', headers: auth, payload })
  const userBody = (roles?: string[]) => ({
    email: uniqueEmail('made'),
    password: strongPassword,
    name: 'Made User',
    ...(roles && { roles }),
  })
  const userRow = async (id: string) =>
    JSON.stringify(
      await node.infra.database.db.selectFrom('sg_users').selectAll().where('id', '=', id).execute(),
    )
  const userCount = async () =>
    (await node.infra.database.db.selectFrom('sg_users').select('id').execute()).length

  beforeAll(async () => {
    // A clock that stands still: every user gets the same createdAt, so pagination must break ties by id.
    node = await profile.startNode({}, { clock: createManualClock(Date.now()) })
    gateway = watchedGateway(node.gateway, watch)
    adminA = await signUp(gateway)
    adminB = await signUp(gateway)
    memberA = await addUser(gateway, adminA, ['member'], 'member')
  })

  afterEach(() => {
    expect(watch.take()).toEqual([])
  })

  it('creates, reads, updates, disables, enables and deletes a user of its own tenant', async () => {
    const body = userBody(['viewer'])
    const created = await createUser(adminA.auth, body)
    expect(created.statusCode).toBe(201)
    const user = created.json<UserView>()
    expect(user).toMatchObject({
      tenantId: adminA.tenantId,
      email: body.email,
      roles: ['viewer'],
      status: 'active',
    })
    expect((await users(adminA.auth, 'GET', user.id)).json()).toEqual(user)

    const renamed = await users(adminA.auth, 'PATCH', user.id, { name: 'New Name', roles: ['member'] })
    expect(renamed.json()).toMatchObject({ name: 'New Name', roles: ['member'] })

    const session = await logIn(gateway, body.email, strongPassword)
    expect((await users(adminA.auth, 'PATCH', user.id, { status: 'disabled' })).statusCode).toBe(200)
    expect(
      (await gateway.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session.auth })).statusCode,
    ).toBe(401)
    await expect(logIn(gateway, body.email, strongPassword)).rejects.toThrow(/401/)
    expect((await users(adminA.auth, 'PATCH', user.id, { status: 'active' })).statusCode).toBe(200)
    await logIn(gateway, body.email, strongPassword)

    expect((await users(adminA.auth, 'DELETE', user.id)).statusCode).toBe(204)
    const gone = await users(adminA.auth, 'GET', user.id)
    expect(gone.statusCode).toBe(404)
    expect(errorCode(gone)).toBe('USER_NOT_FOUND')
    expect((await users(adminA.auth, 'DELETE', user.id)).statusCode).toBe(404)
  })

  it('pages through six users with limit=2: every user once, three pages, then no cursor', async () => {
    const admin = await signUp(gateway)
    const expected = [admin.userId]
    const createdAt = new Set<string>()
    for (let i = 0; i < 5; i++) {
      const user = (await createUser(admin.auth, userBody())).json<UserView & { createdAt: string }>()
      expected.push(user.id)
      createdAt.add(user.createdAt)
    }
    expect(createdAt.size).toBe(1) // all tied on the sort key's first part
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`
      const page = await gateway.inject({
        method: 'GET',
        url: `/api/v1/users?limit=2${query}`,
        headers: admin.auth,
      })
      expect(page.statusCode).toBe(200)
      const body = page.json<{ items: UserView[]; nextCursor: string | null }>()
      expect(body.items.length).toBeLessThanOrEqual(2)
      seen.push(...body.items.map((u) => u.id))
      cursor = body.nextCursor
      pages += 1
    } while (cursor !== null && pages < 10)
    expect(new Set(seen).size).toBe(seen.length)
    expect([...seen].sort()).toEqual([...expected].sort())
    expect(pages).toBe(3)
  })

  it("another tenant's user id is 404 on GET, PATCH and DELETE, and that user is unchanged", async () => {
    const before = await userRow(memberA.userId)
    for (const [method, payload] of [
      ['GET', undefined],
      ['PATCH', { name: 'pwned', roles: ['admin'], status: 'disabled', password: 'an attacker passphrase' }],
      ['DELETE', undefined],
    ] as const) {
      const response = await users(adminB.auth, method, memberA.userId, payload)
      expect(response.statusCode, method).toBe(404)
      expect(errorCode(response)).toBe('USER_NOT_FOUND')
      expect(response.body).not.toContain(memberA.email)
    }
    expect(await userRow(memberA.userId)).toBe(before)
    expect(
      (await gateway.inject({ method: 'GET', url: '/api/v1/auth/me', headers: memberA.auth })).statusCode,
    ).toBe(200)
    const listB = await gateway.inject({ method: 'GET', url: '/api/v1/users', headers: adminB.auth })
    expect(listB.body).not.toContain(memberA.userId)
  })

  it('mass assignment of tenantId, role, id, isAdmin, createdAt or passwordHash is 400 and changes nothing', async () => {
    const extras: Record<string, unknown> = {
      tenantId: adminB.tenantId,
      role: 'admin',
      id: 'usr_00000000000000000000000000',
      isAdmin: true,
      createdAt: '2000-01-01T00:00:00.000Z',
      passwordHash: 'scrypt$1$1$1$AAAA$AAAA',
    }
    const countBefore = await userCount()
    const rowBefore = await userRow(memberA.userId)
    for (const [field, value] of Object.entries(extras)) {
      const post = await createUser(adminA.auth, { ...userBody(['viewer']), [field]: value })
      expect(post.statusCode, `POST ${field}`).toBe(400)
      expect(errorCode(post)).toBe('VALIDATION_FAILED')
      const patch = await users(adminA.auth, 'PATCH', memberA.userId, { name: 'Changed', [field]: value })
      expect(patch.statusCode, `PATCH ${field}`).toBe(400)
      expect(errorCode(patch)).toBe('VALIDATION_FAILED')
    }
    expect(await userCount()).toBe(countBefore)
    expect(await userRow(memberA.userId)).toBe(rowBefore)
  })

  it('__proto__ and constructor keys are 400, at the top level or nested', async () => {
    const rowBefore = await userRow(memberA.userId)
    const bodies = [
      '{"name":"x","__proto__":{"roles":["admin"]}}',
      '{"name":"x","constructor":{"prototype":{"isAdmin":true}}}',
      '{"roles":["viewer"],"status":"active","x":{"__proto__":{"roles":["admin"]}}}',
    ]
    for (const payload of bodies) {
      const response = await gateway.inject({
        method: 'PATCH',
        url: `/api/v1/users/${memberA.userId}`,
        headers: { ...adminA.auth, 'content-type': 'application/json' },
        payload,
      })
      expect(response.statusCode, payload).toBe(400)
    }
    expect(await userRow(memberA.userId)).toBe(rowBefore)
    expect(({} as Record<string, unknown>)['roles']).toBeUndefined()
  })

  it('the only admin cannot demote, disable or delete themself; with a second admin it works', async () => {
    const solo = await signUp(gateway)
    for (const [method, payload] of [
      ['PATCH', { roles: ['member'] }],
      ['PATCH', { status: 'disabled' }],
      ['DELETE', undefined],
    ] as const) {
      const response = await users(solo.auth, method, solo.userId, payload)
      expect(response.statusCode, JSON.stringify(payload)).toBe(409)
      expect(errorCode(response)).toBe('LAST_ADMIN')
    }
    expect((await users(solo.auth, 'GET', solo.userId)).json()).toMatchObject({
      roles: ['admin'],
      status: 'active',
    })

    const second = await addUser(gateway, solo, ['admin'], 'second-admin')
    expect((await users(solo.auth, 'PATCH', solo.userId, { roles: ['member'] })).statusCode).toBe(200)
    const lastOne = await users(second.auth, 'DELETE', second.userId)
    expect(lastOne.statusCode).toBe(409)
    expect((await users(second.auth, 'PATCH', solo.userId, { roles: ['admin'] })).statusCode).toBe(200)
    expect((await users(second.auth, 'PATCH', second.userId, { status: 'disabled' })).statusCode).toBe(200)
    const again = await logIn(gateway, solo.email, strongPassword)
    expect((await users(again.auth, 'DELETE', second.userId)).statusCode).toBe(204)
  })

  it('delegated user administration cannot grant, or take over, more than its holder has', async () => {
    await putRole(gateway, adminA, 'user-manager', ['user:*'])
    const manager = await addUser(gateway, adminA, ['user-manager'], 'user-manager')

    const adminUser = await createUser(manager.auth, userBody(['admin']))
    expect(adminUser.statusCode).toBe(403)
    expect(errorCode(adminUser)).toBe('ROLE_ESCALATION')
    const defaultMember = await createUser(manager.auth, userBody())
    expect(defaultMember.statusCode).toBe(403)
    const selfPromotion = await users(manager.auth, 'PATCH', manager.userId, { roles: ['admin'] })
    expect(selfPromotion.statusCode).toBe(403)
    expect(errorCode(selfPromotion)).toBe('ROLE_ESCALATION')

    const adminRow = await userRow(adminA.userId)
    for (const [method, payload] of [
      ['PATCH', { password: 'a takeover passphrase' }],
      ['PATCH', { status: 'disabled' }],
      ['DELETE', undefined],
    ] as const) {
      const response = await users(manager.auth, method, adminA.userId, payload)
      expect(response.statusCode, `${method} ${JSON.stringify(payload)}`).toBe(403)
    }
    expect(await userRow(adminA.userId)).toBe(adminRow)

    // Within its own rights it works.
    const peer = await createUser(manager.auth, userBody(['user-manager']))
    expect(peer.statusCode).toBe(201)
    const peerId = peer.json<UserView>().id
    expect((await users(manager.auth, 'PATCH', peerId, { name: 'Peer' })).statusCode).toBe(200)
    expect((await users(manager.auth, 'DELETE', peerId)).statusCode).toBe(204)
  })

  it('delegated role administration cannot widen a role beyond its holder', async () => {
    await putRole(gateway, adminA, 'role-manager', ['role:*'])
    const manager = await addUser(gateway, adminA, ['role-manager'], 'role-manager')
    const put = (name: string, permissions: string[]) =>
      gateway.inject({
        method: 'PUT',
        url: `/api/v1/roles/${name}`,
        headers: manager.auth,
        payload: { permissions },
      })

    for (const [name, permissions] of [
      ['role-manager', ['*:*']],
      ['role-manager', ['role:*', 'user:update']],
      ['sidekick', ['audit:read']],
    ] as const) {
      const response = await put(name, [...permissions])
      expect(response.statusCode, `${name} ${permissions.join()}`).toBe(403)
      expect(errorCode(response)).toBe('ROLE_ESCALATION')
    }
    const check = await gateway.inject({
      method: 'POST',
      url: '/api/v1/permissions/check',
      headers: manager.auth,
      payload: { resource: 'user', action: 'update' },
    })
    expect(check.json()).toMatchObject({ allowed: false })
    expect((await put('sidekick', ['role:read'])).statusCode).toBe(201)
  })
})
