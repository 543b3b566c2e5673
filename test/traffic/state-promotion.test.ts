import { createHash } from 'node:crypto'
import { buffer } from 'node:stream/consumers'
import { beforeAll, expect, it } from 'vitest'
import { type ManualClock, createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, logIn, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'

interface Decision {
  promoted: boolean
  reason: string
  strategy: string
  tier: string
  ttlSeconds: number
  scores: { complexity: number; size: number; importance: number }
  promotionId?: string
  expiresAt?: string
  snapshot?: { key: string; size: number; sha256: string }
}
interface Promotion {
  id: string
  key: string
  previousPromotionId: string | null
  tier: string
  snapshot: { key: string; size: number; sha256: string }
}
interface Lineage {
  key: string
  current: { promotionId: string; tier: string; expiresAt: string; data: unknown } | null
  items: Promotion[]
  nextCursor: string | null
}

const minute = 60_000
const day = 24 * 60 * minute
/** Complexity 11: IMMEDIATE_PERSIST → SQL, 1 hour at importance 1. */
const complexData = { order: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 } }

describeOnProfiles('state promotion', (profile) => {
  let node: Platform
  let clock: ManualClock
  let a: Account
  let b: Account
  let viewer: Account

  beforeAll(async () => {
    clock = createManualClock(Date.now())
    node = await profile.startNode({}, { clock })
    a = await signUp(node.gateway, { tenantName: 'Promoter A' })
    b = await signUp(node.gateway, { tenantName: 'Promoter B' })
    viewer = await addUser(node.gateway, a, ['viewer'], 'viewer')
  })

  const promote = (account: Account, key: string, payload: Record<string, unknown>) =>
    node.gateway.inject({
      method: 'POST',
      url: `/api/v1/state/${encodeURIComponent(key)}/promote`,
      headers: account.auth,
      payload,
    })
  const get = (account: Account, url: string) =>
    node.gateway.inject({ method: 'GET', url, headers: account.auth })
  const lineageOf = async (account: Account, key: string) => {
    const response = await get(account, `/api/v1/state/${encodeURIComponent(key)}/lineage`)
    expect(response.statusCode, response.body).toBe(200)
    return response.json<Lineage>()
  }
  const readSnapshot = async (key: string) => buffer(await node.infra.files.get(key))
  /** Moving the manual clock also ages access tokens; log in again afterwards. */
  const advance = async (ms: number) => {
    clock.advance(ms)
    a = await logIn(node.gateway, a.email, a.password)
  }

  it('promotes to the SQL tier and writes a snapshot with the right checksum and content', async () => {
    const response = await promote(a, 'orders:42', { data: complexData, promote: true, tags: ['billing'] })
    expect(response.statusCode, response.body).toBe(201)
    const decision = response.json<Decision>()
    expect(decision).toMatchObject({
      promoted: true,
      reason: 'explicit_flag',
      strategy: 'immediate_persist',
      tier: 'sql',
      ttlSeconds: 3600,
      scores: { complexity: 11, importance: 1 },
    })
    const id = decision.promotionId!
    expect(decision.snapshot!.key).toBe(`tenants/${a.tenantId}/state-snapshots/orders_3a42/${id}.json`)

    const bytes = await readSnapshot(decision.snapshot!.key)
    expect(bytes.length).toBe(decision.snapshot!.size)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(decision.snapshot!.sha256)
    const document = JSON.parse(bytes.toString('utf8'))
    expect(document).toMatchObject({
      key: 'orders:42',
      promotionId: id,
      data: complexData,
      metadata: {
        strategy: 'immediate_persist',
        tier: 'sql',
        ttlSeconds: 3600,
        reason: 'explicit_flag',
        scores: decision.scores,
        tags: ['billing'],
        previousPromotionId: null,
        userId: a.userId,
        actor: { type: 'user', id: a.userId },
        promotedAt: new Date(clock.now()).toISOString(),
        createdAt: new Date(clock.now()).toISOString(),
        expiresAt: decision.expiresAt,
      },
    })

    const row = await node.infra.database.db
      .selectFrom('tc_promoted_state')
      .selectAll()
      .where('tenant_id', '=', a.tenantId)
      .where('state_key', '=', 'orders:42')
      .executeTakeFirst()
    expect(JSON.parse(row!.data)).toEqual(complexData)
    expect((await lineageOf(a, 'orders:42')).current).toEqual({
      promotionId: id,
      tier: 'sql',
      expiresAt: decision.expiresAt,
      data: complexData,
    })
  })

  it('promotes to the key-value tier', async () => {
    const data = { cart: ['x', 'y'] }
    const response = await promote(a, 'cart.1', { data, importance: 6, promote: true })
    expect(response.statusCode, response.body).toBe(201)
    expect(response.json()).toMatchObject({
      strategy: 'delayed_persist',
      tier: 'key-value',
      ttlSeconds: 86_400,
    })
    const stored = JSON.parse((await node.infra.keyValue.get(`tc:promoted:${a.tenantId}:cart.1`))!)
    expect(stored.data).toEqual(data)
    expect((await lineageOf(a, 'cart.1')).current).toMatchObject({ tier: 'key-value', data })
  })

  it("promotes to this node's memory tier", async () => {
    const response = await promote(a, 'pay-1', { data: { amount: 3 }, type: 'payment' })
    expect(response.statusCode, response.body).toBe(201)
    expect(response.json()).toMatchObject({
      reason: 'critical_state_type',
      strategy: 'cache_only',
      tier: 'memory',
      ttlSeconds: 900,
      scores: { importance: 4 },
    })
    expect((await lineageOf(a, 'pay-1')).current).toMatchObject({ tier: 'memory', data: { amount: 3 } })
  })

  it('keeps history and lineage across three promotions of one key, each in its own tier', async () => {
    const payloads = [
      { data: { ...complexData, v: 1 }, promote: true },
      { data: { v: 2 }, importance: 7, promote: true },
      { data: { v: 3 }, promote: true },
    ]
    const decisions: Decision[] = []
    for (const payload of payloads) {
      clock.advance(1000)
      const response = await promote(a, 'chain', payload)
      expect(response.statusCode, response.body).toBe(201)
      decisions.push(response.json<Decision>())
    }
    expect(decisions.map((d) => d.tier)).toEqual(['sql', 'key-value', 'memory'])
    const ids = decisions.map((d) => d.promotionId!)

    const lineage = await lineageOf(a, 'chain')
    expect(lineage.items.map((p) => p.id)).toEqual([...ids].reverse())
    expect(lineage.items.map((p) => p.previousPromotionId)).toEqual([ids[1], ids[0], null])
    expect(lineage.items.map((p) => p.snapshot)).toEqual(decisions.map((d) => d.snapshot).reverse())
    expect(lineage.current).toMatchObject({ promotionId: ids[2], tier: 'memory', data: { v: 3 } })
    for (const decision of decisions) {
      const document = JSON.parse((await readSnapshot(decision.snapshot!.key)).toString('utf8'))
      expect(document.promotionId).toBe(decision.promotionId)
    }
    const third = JSON.parse((await readSnapshot(decisions[2]!.snapshot!.key)).toString('utf8'))
    expect(third.metadata.previousPromotionId).toBe(ids[1])
    expect(third.metadata.createdAt).not.toBe(third.metadata.promotedAt)

    // the earlier tiers no longer hold the key
    expect(await node.infra.keyValue.get(`tc:promoted:${a.tenantId}:chain`)).toBeNull()
    const sqlRow = await node.infra.database.db
      .selectFrom('tc_promoted_state')
      .selectAll()
      .where('tenant_id', '=', a.tenantId)
      .where('state_key', '=', 'chain')
      .executeTakeFirst()
    expect(sqlRow).toBeUndefined()

    const first = await get(a, '/api/v1/state/promotions?key=chain&limit=2')
    expect(first.statusCode, first.body).toBe(200)
    const page1 = first.json<{ items: Promotion[]; nextCursor: string }>()
    expect(page1.items.map((p) => p.id)).toEqual([ids[2], ids[1]])
    const second = await get(
      a,
      `/api/v1/state/promotions?key=chain&limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`,
    )
    expect(second.json()).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null })

    const all = (await get(a, '/api/v1/state/promotions')).json<{ items: Promotion[] }>()
    expect(all.items.slice(0, 3).map((p) => p.id)).toEqual([ids[2], ids[1], ids[0]])
    expect(new Set(all.items.map((p) => p.key))).toEqual(new Set(['orders:42', 'cart.1', 'pay-1', 'chain']))
  })

  it('keeps one linear chain when promotions of a key race', async () => {
    const responses = await Promise.all(
      Array.from({ length: 4 }, (_, i) => promote(a, 'race', { data: { i }, promote: true })),
    )
    expect(responses.every((r) => r.statusCode === 201 || r.statusCode === 409)).toBe(true)
    const promoted = responses.filter((r) => r.statusCode === 201).length
    expect(promoted).toBeGreaterThan(0)
    const chain = (await lineageOf(a, 'race')).items
    expect(chain).toHaveLength(promoted)
    chain.forEach((p, i) => expect(p.previousPromotionId).toBe(chain[i + 1]?.id ?? null))
  })

  it('a not-recommended promotion answers the analysis and writes nothing', async () => {
    const response = await promote(a, 'note', {
      data: { text: 'hello' },
      type: 'session',
      tags: ['critical'],
    })
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual({
      promoted: false,
      reason: 'promotion_not_recommended',
      strategy: 'delayed_persist',
      tier: 'key-value',
      ttlSeconds: 86_400,
      scores: { complexity: 2, size: 16, importance: 6 },
    })
    expect((await node.infra.files.list(`tenants/${a.tenantId}/state-snapshots/note/`)).items).toEqual([])
    const lineage = await get(a, '/api/v1/state/note/lineage')
    expect(lineage.statusCode).toBe(404)
    expect(errorCode(lineage)).toBe('STATE_KEY_NOT_FOUND')
    expect((await get(a, '/api/v1/state/promotions?key=note')).json()).toEqual({
      items: [],
      nextCursor: null,
    })
    expect(await node.infra.keyValue.get(`tc:promoted:${a.tenantId}:note`)).toBeNull()
  })

  it('refuses invalid requests with 400', async () => {
    const cases: [string, Promise<{ statusCode: number; body: string }>][] = [
      ['bad key characters', promote(a, 'bad key!', { data: {}, promote: true })],
      ['data missing', promote(a, 'k', { promote: true })],
      ['data an array', promote(a, 'k', { data: [1], promote: true })],
      ['data a string', promote(a, 'k', { data: 'x', promote: true })],
      ['unknown field', promote(a, 'k', { data: {}, promote: true, backend: 'arango' })],
      ['importance above 10', promote(a, 'k', { data: {}, importance: 11 })],
      ['importance not an integer', promote(a, 'k', { data: {}, importance: 2.5 })],
      ['tags not strings', promote(a, 'k', { data: {}, tags: [{ t: 1 }] })],
      ['unknown context field', promote(a, 'k', { data: {}, context: { persistent: true } })],
      ['lineage of a bad key', get(a, '/api/v1/state/bad%20key/lineage')],
      ['history limit 0', get(a, '/api/v1/state/promotions?limit=0')],
      ['history unknown query', get(a, '/api/v1/state/promotions?tenant=x')],
      ['history forged cursor', get(a, '/api/v1/state/promotions?cursor=nope')],
    ]
    for (const [label, pending] of cases) expect((await pending).statusCode, label).toBe(400)
    expect((await get(a, '/api/v1/state/k/lineage')).statusCode).toBe(404)
    // the router refuses path parameters over 100 characters before validation
    expect((await promote(a, 'k'.repeat(101), { data: {}, promote: true })).statusCode).toBe(414)
  })

  it('needs state:create to promote and state:read to list', async () => {
    expect((await promote(viewer, 'viewer-key', { data: {}, promote: true })).statusCode).toBe(403)
    expect((await get(viewer, '/api/v1/state/promotions')).statusCode).toBe(200)
    expect((await get(viewer, '/api/v1/state/chain/lineage')).statusCode).toBe(200)
  })

  it("isolates tenants: B never sees A's promotions or lineage", async () => {
    expect((await get(b, '/api/v1/state/orders:42/lineage')).statusCode).toBe(404)
    expect((await get(b, '/api/v1/state/promotions')).json()).toEqual({ items: [], nextCursor: null })
    expect((await get(b, '/api/v1/state/promotions?key=chain')).json()).toEqual({
      items: [],
      nextCursor: null,
    })

    const own = await promote(b, 'chain', { data: { owner: 'B' }, promote: true })
    expect(own.statusCode).toBe(201)
    expect(own.json<Decision>().snapshot!.key).toMatch(`tenants/${b.tenantId}/state-snapshots/chain/`)
    const bLineage = await lineageOf(b, 'chain')
    expect(bLineage.items).toHaveLength(1)
    expect(bLineage.items[0]!.previousPromotionId).toBeNull()
    expect(bLineage.current).toMatchObject({ data: { owner: 'B' } })
    expect(JSON.stringify(bLineage)).not.toContain(a.tenantId)

    const aLineage = await lineageOf(a, 'chain')
    expect(aLineage.items).toHaveLength(3)
    expect(aLineage.current).toMatchObject({ data: { v: 3 } })
    const bHistory = (await get(b, '/api/v1/state/promotions')).json<{ items: Promotion[] }>()
    expect(bHistory.items.map((p) => p.id)).toEqual([own.json<Decision>().promotionId])
  })

  it('expires the memory, key-value and SQL tiers by the platform clock', async () => {
    const memory = await promote(a, 'ttl.memory', { data: { m: 1 }, promote: true })
    const keyValue = await promote(a, 'ttl.kv', { data: { k: 1 }, importance: 6, promote: true })
    const sql = await promote(a, 'ttl.sql', { data: { s: 1 }, importance: 9, promote: true })
    expect([memory, keyValue, sql].map((r) => r.json<Decision>().ttlSeconds)).toEqual([900, 86_400, 604_800])

    await advance(15 * minute - 1)
    expect((await lineageOf(a, 'ttl.memory')).current).not.toBeNull()
    await advance(1)
    expect((await lineageOf(a, 'ttl.memory')).current).toBeNull()

    await advance(day - 15 * minute - 1)
    expect((await lineageOf(a, 'ttl.kv')).current).toMatchObject({ tier: 'key-value', data: { k: 1 } })
    await advance(1)
    expect((await lineageOf(a, 'ttl.kv')).current).toBeNull()

    await advance(7 * day - day - 1)
    expect((await lineageOf(a, 'ttl.sql')).current).toMatchObject({ tier: 'sql', data: { s: 1 } })
    await advance(1)
    const expired = await lineageOf(a, 'ttl.sql')
    expect(expired.current).toBeNull()
    expect(expired.items).toHaveLength(1)

    // the next SQL-tier promotion of the tenant purges expired rows
    expect((await promote(a, 'ttl.sql2', { data: { s: 2 }, importance: 9, promote: true })).statusCode).toBe(
      201,
    )
    const rows = await node.infra.database.db
      .selectFrom('tc_promoted_state')
      .select('state_key')
      .where('tenant_id', '=', a.tenantId)
      .execute()
    expect(rows.map((r: { state_key: string }) => r.state_key)).toEqual(['ttl.sql2'])
  })
})
