import { createHash } from 'node:crypto'
import { afterEach, beforeAll, expect, it } from 'vitest'
import { type ManualClock, createManualClock } from '../../src/kernel/clock.js'
import type { Gateway } from '../../src/gateway/build-gateway.js'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { createLeakWatch, putRole, watchedGateway } from './guard-support.js'

/**
 * API keys: shown once, stored as SHA-256 only, scoped to the creator's tenant and rights, expiring on the
 * platform clock, revoked at once, and dead when the creator is disabled or deleted.
 */
interface CreatedKey {
  id: string
  key: string
  prefix: string
  roles: string[]
  userId: string
  expiresAt: string | null
  lastUsedAt: string | null
}

describeOnProfiles('API keys', (profile) => {
  let node: Platform
  let gateway: Gateway
  let clock: ManualClock
  let admin: Account
  let member: Account
  let otherAdmin: Account
  const watch = createLeakWatch()

  const keyAuth = (key: string) => ({ authorization: `ApiKey ${key}` })
  const me = (headers: Record<string, string>) =>
    gateway.inject({ method: 'GET', url: '/api/v1/auth/me', headers })
  const list = (who: Account) => gateway.inject({ method: 'GET', url: '/api/v1/api-keys', headers: who.auth })
  const revoke = (headers: Record<string, string>, id: string) =>
    gateway.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers })

  const createRaw = (headers: Record<string, string>, payload: Record<string, unknown>) =>
    gateway.inject({ method: 'POST', url: '/api/v1/api-keys', headers, payload })

  async function create(who: Account, payload: Record<string, unknown> = {}): Promise<CreatedKey> {
    const response = await createRaw(who.auth, { name: 'test key', ...payload })
    if (response.statusCode !== 201) throw new Error(`create key: ${response.statusCode} ${response.body}`)
    return response.json<CreatedKey>()
  }

  beforeAll(async () => {
    clock = createManualClock(Date.now())
    node = await profile.startNode({}, { clock })
    gateway = watchedGateway(node.gateway, watch)
    admin = await signUp(gateway)
    member = await addUser(gateway, admin, ['member'], 'member')
    otherAdmin = await signUp(gateway)
  })

  afterEach(() => {
    expect(watch.take()).toEqual([])
  })

  it('is shown once at creation, never in the list, and authenticates as the creator via api_key', async () => {
    const created = await create(admin, { name: 'ci pipeline' })
    expect(created.key).toMatch(/^sk_[0-9a-z]{26}\.[A-Za-z0-9_-]{43}$/)
    expect(created.key.startsWith(created.prefix)).toBe(true)
    expect(created).toMatchObject({
      roles: ['admin'],
      userId: admin.userId,
      expiresAt: null,
      lastUsedAt: null,
    })

    const listed = await list(admin)
    expect(listed.statusCode).toBe(200)
    const items = listed.json<{ items: Record<string, unknown>[] }>().items
    const mine = items.find((k) => k['id'] === created.id)
    expect(mine).toMatchObject({ prefix: created.prefix, name: 'ci pipeline' })
    expect(mine).not.toHaveProperty('key')
    expect(listed.body).not.toContain(created.key.split('.')[1])

    const whoAmI = await me(keyAuth(created.key))
    expect(whoAmI.statusCode).toBe(200)
    expect(whoAmI.json()).toMatchObject({ via: 'api_key', apiKeyId: created.id, user: { id: admin.userId } })
  })

  it('is stored only as the SHA-256 hex of the whole key', async () => {
    const created = await create(member)
    const rows = (await node.infra.database.db
      .selectFrom('sg_api_keys')
      .selectAll()
      .where('id', '=', created.id)
      .execute()) as Record<string, unknown>[]
    expect(rows).toHaveLength(1)
    expect(rows[0]!['key_hash']).toBe(createHash('sha256').update(created.key).digest('hex'))
    expect(rows[0]!['key_hash']).toMatch(/^[0-9a-f]{64}$/)
    const secret = created.key.split('.')[1]!
    const everything = JSON.stringify(
      await node.infra.database.db.selectFrom('sg_api_keys').selectAll().execute(),
    )
    const audit = JSON.stringify(
      await node.infra.database.db.selectFrom('sg_audit_events').selectAll().execute(),
    )
    for (const text of [everything, audit]) {
      expect(text).not.toContain(created.key)
      expect(text).not.toContain(secret)
    }
  })

  it("roles default to the creator's; nobody mints more than they hold; unknown roles are refused", async () => {
    expect((await create(member)).roles).toEqual(['member'])
    expect((await create(member, { roles: ['viewer'] })).roles).toEqual(['viewer'])

    const escalation = await createRaw(member.auth, { name: 'x', roles: ['admin'] })
    expect(escalation.statusCode).toBe(403)
    expect(errorCode(escalation)).toBe('ROLE_ESCALATION')
    await putRole(gateway, admin, 'auditor', ['audit:read'])
    const custom = await createRaw(member.auth, { name: 'x', roles: ['auditor'] })
    expect(custom.statusCode).toBe(403)
    expect(errorCode(custom)).toBe('ROLE_ESCALATION')

    const unknown = await createRaw(admin.auth, { name: 'x', roles: ['no-such-role'] })
    expect(unknown.statusCode).toBe(400)
    expect(errorCode(unknown)).toBe('ROLE_UNKNOWN')
  })

  it('a viewer key reads but does not write, though its creator is an admin', async () => {
    const { key } = await create(admin, { roles: ['viewer'] })
    expect(
      (await gateway.inject({ method: 'GET', url: '/api/v1/users', headers: keyAuth(key) })).statusCode,
    ).toBe(200)
    const write = await gateway.inject({
      method: 'PUT',
      url: '/api/v1/roles/from-key',
      headers: keyAuth(key),
      payload: { permissions: ['file:read'] },
    })
    expect(write.statusCode).toBe(403)
    expect(errorCode(write)).toBe('PERMISSION_DENIED')
  })

  it('an API key cannot create API keys, even an admin key', async () => {
    const { key } = await create(admin)
    const response = await createRaw(keyAuth(key), { name: 'child', roles: ['viewer'] })
    expect(response.statusCode).toBe(403)
    expect(errorCode(response)).toBe('PERMISSION_DENIED')
  })

  it('sets lastUsedAt on use, from the platform clock', async () => {
    const created = await create(member)
    clock.advance(1000)
    const usedAt = clock.now()
    expect((await me(keyAuth(created.key))).statusCode).toBe(200)
    const listed = (await list(member)).json<{ items: CreatedKey[] }>().items.find((k) => k.id === created.id)
    expect(listed?.lastUsedAt).toBe(new Date(usedAt).toISOString())
  })

  it('DELETE revokes at once; a member sees and revokes only their own keys, an admin all', async () => {
    const memberKey = await create(member)
    const adminKey = await create(admin)
    const memberIds = (await list(member)).json<{ items: CreatedKey[] }>().items.map((k) => k.id)
    expect(memberIds).toContain(memberKey.id)
    expect(memberIds).not.toContain(adminKey.id)
    const adminIds = (await list(admin)).json<{ items: CreatedKey[] }>().items.map((k) => k.id)
    expect(adminIds).toEqual(expect.arrayContaining([memberKey.id, adminKey.id]))

    const foreign = await revoke(member.auth, adminKey.id)
    expect(foreign.statusCode).toBe(404)
    expect(errorCode(foreign)).toBe('API_KEY_NOT_FOUND')
    expect((await me(keyAuth(adminKey.key))).statusCode).toBe(200)

    expect((await me(keyAuth(memberKey.key))).statusCode).toBe(200)
    expect((await revoke(member.auth, memberKey.id)).statusCode).toBe(204)
    const after = await me(keyAuth(memberKey.key))
    expect(after.statusCode).toBe(401)
    expect(errorCode(after)).toBe('INVALID_API_KEY')
    expect((await list(member)).json<{ items: CreatedKey[] }>().items.map((k) => k.id)).not.toContain(
      memberKey.id,
    )
    expect((await revoke(member.auth, memberKey.id)).statusCode).toBe(404)
  })

  it("another tenant's key id is 404 and the key keeps working", async () => {
    const theirs = await create(otherAdmin)
    const response = await revoke(admin.auth, theirs.id)
    expect(response.statusCode).toBe(404)
    expect(errorCode(response)).toBe('API_KEY_NOT_FOUND')
    expect((await me(keyAuth(theirs.key))).statusCode).toBe(200)
    expect((await list(admin)).json<{ items: CreatedKey[] }>().items.map((k) => k.id)).not.toContain(
      theirs.id,
    )
  })

  it('keys of a disabled or deleted creator stop working', async () => {
    const disabledUser = await addUser(gateway, admin, ['member'], 'to-disable')
    const deletedUser = await addUser(gateway, admin, ['member'], 'to-delete')
    const k1 = await create(disabledUser)
    const k2 = await create(deletedUser)
    expect((await me(keyAuth(k1.key))).statusCode).toBe(200)
    expect((await me(keyAuth(k2.key))).statusCode).toBe(200)

    const disable = await gateway.inject({
      method: 'PATCH',
      url: `/api/v1/users/${disabledUser.userId}`,
      headers: admin.auth,
      payload: { status: 'disabled' },
    })
    expect(disable.statusCode).toBe(200)
    const del = await gateway.inject({
      method: 'DELETE',
      url: `/api/v1/users/${deletedUser.userId}`,
      headers: admin.auth,
    })
    expect(del.statusCode).toBe(204)
    for (const key of [k1.key, k2.key]) {
      const response = await me(keyAuth(key))
      expect(response.statusCode).toBe(401)
      expect(errorCode(response)).toBe('INVALID_API_KEY')
    }
  })

  it('a key of a demoted creator no longer grants what the creator lost', async () => {
    const boss = await addUser(gateway, admin, ['admin'], 'boss')
    const { key } = await create(boss)
    const canAudit = async () =>
      (await gateway.inject({ method: 'GET', url: '/api/v1/audit?limit=1', headers: keyAuth(key) }))
        .statusCode
    expect(await canAudit()).toBe(200)
    const demote = await gateway.inject({
      method: 'PATCH',
      url: `/api/v1/users/${boss.userId}`,
      headers: admin.auth,
      payload: { roles: ['member'] },
    })
    expect(demote.statusCode).toBe(200)
    expect([401, 403]).toContain(await canAudit())
  })

  it('malformed ApiKey values answer 401', async () => {
    const { key } = await create(member)
    const [head, secret] = key.split('.') as [string, string]
    const flipped = `${head}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`
    const values = [
      'ApiKey',
      'ApiKey ',
      'ApiKey sk_',
      `ApiKey ${head}`,
      `ApiKey ${head}.`,
      `ApiKey ${flipped}`,
      `ApiKey ${key}x`,
      `ApiKey ${key} ${key}`,
      `ApiKey ${key.toUpperCase()}`,
      `ApiKey ${'sk_' + '0'.repeat(26)}.${secret}`,
      `ApiKey ${key.replace('sk_', 'pk_')}`,
      `ApiKey ${'a'.repeat(10_000)}`,
      `Bearer ${key}`,
    ]
    const statuses = await Promise.all(values.map(async (v) => (await me({ authorization: v })).statusCode))
    expect(statuses).toEqual(values.map(() => 401))
    expect((await me(keyAuth(key))).statusCode).toBe(200)
  })

  it('rejects an expiry in the past and honours a future one on the platform clock', async () => {
    const past = await createRaw(member.auth, {
      name: 'x',
      expiresAt: new Date(clock.now() - 1).toISOString(),
    })
    expect(past.statusCode).toBe(400)
    expect(errorCode(past)).toBe('INVALID_EXPIRY')
    const now = await createRaw(member.auth, { name: 'x', expiresAt: new Date(clock.now()).toISOString() })
    expect(now.statusCode).toBe(400)

    const expiresAt = clock.now() + 60_000
    const created = await create(member, { expiresAt: new Date(expiresAt).toISOString() })
    expect(created.expiresAt).toBe(new Date(expiresAt).toISOString())
    clock.set(expiresAt - 1)
    expect((await me(keyAuth(created.key))).statusCode).toBe(200)
    clock.set(expiresAt)
    const expired = await me(keyAuth(created.key))
    expect(expired.statusCode).toBe(401)
    expect(errorCode(expired)).toBe('INVALID_API_KEY')
  })

  it('the leak watch itself flags secrets (so the checks above can fail)', () => {
    const probe = createLeakWatch()
    probe.inspect('issue', JSON.stringify({ key: 'sk_secret' }))
    probe.inspect('repeat', JSON.stringify({ items: [{ key: 'sk_secret' }] }))
    probe.inspect('hash', '{"passwordHash":"scrypt$12$8$1$x$y"}')
    expect(probe.take()).toHaveLength(3)
  })

  it("never lets a key do more than its creator may do now, even after the creator's role narrows", async () => {
    await putRole(gateway, admin, 'ops', ['dataset:*', 'file:*', 'api-key:*'])
    await putRole(gateway, admin, 'reader', ['dataset:read', 'file:read'])
    const operator = await addUser(gateway, admin, ['ops'], 'operator')
    const key = await create(operator, { roles: ['reader'] })
    const check = (resource: string) =>
      gateway.inject({
        method: 'POST',
        url: '/api/v1/permissions/check',
        headers: keyAuth(key.key),
        payload: { resource, action: 'read' },
      })
    expect((await check('dataset')).json()).toMatchObject({ allowed: true })
    await putRole(gateway, admin, 'ops', ['file:*', 'api-key:*'])
    expect((await check('dataset')).json()).toMatchObject({ allowed: false })
    expect((await check('file')).json()).toMatchObject({ allowed: true })
  })

  it('records a refused key minting by an API key as a permission denial in the audit log', async () => {
    const key = await create(admin)
    const refused = await createRaw(keyAuth(key.key), { name: 'child' })
    expect(refused.statusCode).toBe(403)
    const audit = await gateway.inject({
      method: 'GET',
      url: '/api/v1/audit?action=permission.denied',
      headers: admin.auth,
    })
    const events = audit.json<{
      items: { actor: { type: string; id: string }; details: { route: string } }[]
    }>().items
    expect(
      events.some(
        (e) =>
          e.actor.type === 'api_key' && e.actor.id === key.id && e.details.route === 'POST /api/v1/api-keys',
      ),
    ).toBe(true)
  })
})
