import { createHash } from 'node:crypto'
import { beforeAll, expect, it } from 'vitest'
import { type ManualClock, createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'

describeOnProfiles('Traffic Cop sessions and state', (profile) => {
  let node: Platform
  let clock: ManualClock
  let owner: Account
  let colleague: Account
  let stranger: Account

  const call = (
    who: Account,
    method: string,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    node.gateway.inject({
      method: method as 'GET',
      url,
      headers: { ...who.auth, ...headers },
      ...(payload !== undefined && { payload: payload as object }),
    })

  async function openSession(who: Account, body: Record<string, unknown> = { sessionType: 'journey' }) {
    const response = await call(who, 'POST', '/api/v1/sessions', body)
    expect(response.statusCode).toBe(201)
    return response.json<{ id: string; token: string; idleExpiresAt: string; expiresAt: string }>()
  }

  beforeAll(async () => {
    clock = createManualClock(Date.now())
    node = await profile.startNode(
      {
        SYMPHAINY_SESSION_IDLE_SECONDS: '600',
        SYMPHAINY_SESSION_ABSOLUTE_SECONDS: '3600',
        SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400',
      },
      { clock },
    )
    owner = await signUp(node.gateway)
    colleague = await addUser(node.gateway, owner, ['member'], 'colleague')
    stranger = await signUp(node.gateway)
  })

  it('creates a session with type, context and routes, shows its token once and stores only its hash', async () => {
    const created = await openSession(owner, {
      sessionType: 'content',
      context: { file: 'a.csv' },
      routeTo: ['content', 'insights'],
    })
    expect(created.token).toMatch(/^st_/)
    const stored = await node.infra.database.db
      .selectFrom('tc_sessions')
      .select(['token_hash'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow()
    expect(stored.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'))
    const read = await call(owner, 'GET', `/api/v1/sessions/${created.id}`)
    expect(read.json()).toMatchObject({
      id: created.id,
      sessionType: 'content',
      context: { file: 'a.csv' },
      routeTo: ['content', 'insights'],
      status: 'active',
    })
    expect(read.body).not.toContain(created.token)
    const listed = await call(owner, 'GET', '/api/v1/sessions')
    expect(listed.json<{ items: { id: string }[] }>().items.map((s) => s.id)).toContain(created.id)
  })

  it('is the owner’s alone: a colleague and another tenant get 404', async () => {
    const { id } = await openSession(owner)
    for (const who of [colleague, stranger]) {
      for (const [method, url] of [
        ['GET', `/api/v1/sessions/${id}`],
        ['GET', `/api/v1/sessions/${id}/state`],
        ['DELETE', `/api/v1/sessions/${id}`],
      ] as const) {
        const response = await call(who, method, url)
        expect(response.statusCode, `${method} ${url}`).toBe(404)
        expect(errorCode(response)).toBe('SESSION_NOT_FOUND')
      }
      expect((await call(who, 'PUT', `/api/v1/sessions/${id}/state`, { data: { x: 1 } })).statusCode).toBe(
        404,
      )
    }
    expect((await call(owner, 'GET', `/api/v1/sessions/${id}/state`)).json()).toEqual({
      version: 0,
      data: {},
    })
  })

  it('expires after the idle time unless used, and at the absolute time however used', async () => {
    const idle = await openSession(owner)
    const busy = await openSession(owner)
    for (let minute = 0; minute < 55; minute += 5) {
      clock.advance(5 * 60_000)
      expect(
        (await call(owner, 'GET', `/api/v1/sessions/${busy.id}`)).statusCode,
        `minute ${minute + 5}`,
      ).toBe(200)
    }
    expect((await call(owner, 'GET', `/api/v1/sessions/${idle.id}`)).statusCode).toBe(404)
    clock.advance(6 * 60_000)
    expect((await call(owner, 'GET', `/api/v1/sessions/${busy.id}`)).statusCode).toBe(404)
    // The cleanup timer (every minute of platform time) marks both expired and tells every node.
    await expect
      .poll(async () => {
        clock.advance(60_000)
        const rows = await node.infra.database.db
          .selectFrom('tc_sessions')
          .select(['status'])
          .where('id', 'in', [idle.id, busy.id])
          .execute()
        return rows.map((r) => r.status)
      })
      .toEqual(['expired', 'expired'])
  })

  it('ends on DELETE and reports analytics by type', async () => {
    const a = await openSession(owner, { sessionType: 'analysis' })
    await openSession(owner, { sessionType: 'analysis' })
    expect((await call(owner, 'DELETE', `/api/v1/sessions/${a.id}`)).statusCode).toBe(204)
    expect((await call(owner, 'GET', `/api/v1/sessions/${a.id}`)).statusCode).toBe(404)
    const analytics = (await call(owner, 'GET', '/api/v1/sessions/analytics?range=1h')).json<{
      byType: Record<string, { active: number; created: number; ended: number }>
    }>()
    expect(analytics.byType['analysis']).toMatchObject({ active: 1, created: 2, ended: 1 })
    expect((await call(colleague, 'GET', '/api/v1/sessions/analytics')).statusCode).toBe(403)
    const strangers = (await call(stranger, 'GET', '/api/v1/sessions/analytics')).json<{ created: number }>()
    expect(strangers.created).toBe(0)
  })

  it('versions state with ETag and If-Match, and applies JSON merge patches', async () => {
    const { id } = await openSession(owner)
    const url = `/api/v1/sessions/${id}/state`
    const first = await call(owner, 'GET', url)
    expect(first.headers['etag']).toBe('"0"')
    const put = await call(
      owner,
      'PUT',
      url,
      { data: { step: 1, answers: { a: 1, b: 2 } } },
      { 'if-match': '"0"' },
    )
    expect(put.statusCode).toBe(200)
    expect(put.json()).toEqual({ version: 1, data: { step: 1, answers: { a: 1, b: 2 } } })
    expect(put.headers['etag']).toBe('"1"')
    const stale = await call(owner, 'PUT', url, { data: { step: 9 } }, { 'if-match': '0' })
    expect(stale.statusCode).toBe(409)
    expect(errorCode(stale)).toBe('STATE_VERSION_CONFLICT')
    const patch = await node.gateway.inject({
      method: 'PATCH',
      url,
      headers: { ...owner.auth, 'content-type': 'application/merge-patch+json', 'if-match': 'W/"1"' },
      payload: JSON.stringify({ step: 2, answers: { b: null, c: 3 } }),
    })
    expect(patch.json()).toEqual({ version: 2, data: { step: 2, answers: { a: 1, c: 3 } } })
    expect((await call(owner, 'PUT', url, { data: { x: 1 } }, { 'if-match': 'banana' })).statusCode).toBe(400)
    expect((await call(owner, 'PUT', url, { data: { big: 'x'.repeat(300 * 1024) } })).statusCode).toBe(413)
    expect((await call(owner, 'GET', url)).json()).toMatchObject({ version: 2 })
  })

  it('gives every concurrent change its own version; with one If-Match exactly one wins', async () => {
    const { id } = await openSession(owner)
    const url = `/api/v1/sessions/${id}/state`
    const blind = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        node.gateway.inject({
          method: 'PATCH',
          url,
          headers: { ...owner.auth, 'content-type': 'application/merge-patch+json' },
          payload: JSON.stringify({ [`k${i}`]: i }),
        }),
      ),
    )
    expect(blind.every((r) => r.statusCode === 200)).toBe(true)
    expect(blind.map((r) => r.json<{ version: number }>().version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    )
    expect(Object.keys((await call(owner, 'GET', url)).json<{ data: object }>().data)).toHaveLength(12)
    const guarded = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(owner, 'PUT', url, { data: { winner: i } }, { 'if-match': '12' }),
      ),
    )
    expect(guarded.filter((r) => r.statusCode === 200)).toHaveLength(1)
    expect(guarded.filter((r) => r.statusCode === 409)).toHaveLength(7)
  })

  it('publishes every accepted change in version order on the session topic', async () => {
    const { id } = await openSession(owner)
    const seen: { version: number }[] = []
    const subscription = await node.infra.pubSub.subscribe(`tc:session:${id}`, (message) => {
      seen.push(JSON.parse(message) as { version: number })
    })
    try {
      for (let i = 1; i <= 5; i++) await call(owner, 'PUT', `/api/v1/sessions/${id}/state`, { data: { i } })
      await expect.poll(() => seen.length).toBe(5)
      expect(seen.map((m) => m.version)).toEqual([1, 2, 3, 4, 5])
    } finally {
      await subscription.unsubscribe()
    }
    expect(profile.name === 'embedded' || profile.name === 'scaled').toBe(true)
  })
})
