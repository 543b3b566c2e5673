import { beforeAll, expect, it } from 'vitest'
import { type ManualClock, createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { type Account, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { openSocket } from '../support/ws-client.js'
import { postOfficeClient, uniqueMailbox } from './support.js'

interface Delivery {
  id: string
  eventId: string
  status: string
  attempts: number
  lastError: string | null
  nextAttemptAt: string | null
}

describeOnProfiles('Post Office events', (profile) => {
  let node: Platform
  let clock: ManualClock
  let admin: Account
  let stranger: Account
  const po = postOfficeClient(() => node)
  const dispatch = () => node.services.postOffice.dispatcher.runOnce()

  async function subscribe(who: Account, pattern: string, target: Record<string, unknown>) {
    const response = await po.call(who, 'POST', '/api/v1/subscriptions', { pattern, target })
    if (response.statusCode !== 201) throw new Error(`subscribe: ${response.statusCode} ${response.body}`)
    return response.json<{ id: string }>().id
  }

  async function publish(who: Account, type: string, payload: unknown): Promise<string> {
    const response = await po.call(who, 'POST', '/api/v1/events', { type, payload })
    if (response.statusCode !== 202) throw new Error(`publish: ${response.statusCode} ${response.body}`)
    return response.json<{ id: string }>().id
  }

  async function deliveries(who: Account, subscriptionId: string): Promise<Delivery[]> {
    const response = await po.call(who, 'GET', `/api/v1/subscriptions/${subscriptionId}/deliveries`)
    return response.json<{ items: Delivery[] }>().items
  }

  beforeAll(async () => {
    clock = createManualClock(Date.now())
    node = await profile.startNode(
      {
        PORT: '0',
        SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400',
        SYMPHAINY_EVENT_RETRY_BASE_MS: '1000',
        SYMPHAINY_EVENT_MAX_ATTEMPTS: '3',
      },
      { clock },
    )
    admin = await signUp(node.gateway)
    stranger = await signUp(node.gateway)
  })

  it('writes no outbox row for a tenant without subscriptions, and goes to subscriptions made after', async () => {
    const quiet = await signUp(node.gateway)
    const stored = () =>
      node.infra.database.db
        .selectFrom('po_events')
        .select('type')
        .where('tenant_id', '=', quiet.tenantId)
        .execute()
    await publish(quiet, 'quiet.before', {})
    await node.infra.database.transaction(async (trx) => {
      await node.services.postOffice.events.publishInTransaction(trx, {
        tenantId: quiet.tenantId,
        type: 'quiet.before',
        payload: {},
        source: 'service:test',
      })
    })
    expect(await stored()).toEqual([])
    const box = uniqueMailbox('quiet')
    await subscribe(quiet, 'quiet.*', { kind: 'mailbox', mailbox: box })
    await publish(quiet, 'quiet.after', { n: 1 })
    await dispatch()
    await dispatch()
    expect(await po.receive(quiet, box, '?max=10')).toMatchObject([
      { type: 'quiet.after', payload: { n: 1 } },
    ])
    expect(await stored()).toEqual([{ type: 'quiet.after' }])
  })

  it('publishes an event if and only if its transaction commits (transactional outbox)', async () => {
    const box = uniqueMailbox('outbox')
    await subscribe(admin, 'ledger.*', { kind: 'mailbox', mailbox: box })
    const { events } = node.services.postOffice
    const input = (n: number) => ({
      tenantId: admin.tenantId,
      type: 'ledger.posted',
      payload: { n },
      source: 'service:test',
    })
    await expect(
      node.infra.database.transaction(async (trx) => {
        await events.publishInTransaction(trx, input(1))
        throw new Error('the business write failed')
      }),
    ).rejects.toThrow('the business write failed')
    await node.infra.database.transaction(async (trx) => {
      await events.publishInTransaction(trx, input(2))
    })
    await events.wake()
    await dispatch()
    await dispatch()
    const received = await po.receive(admin, box)
    expect(received).toMatchObject([{ type: 'ledger.posted', payload: { n: 2 }, sender: 'service:test' }])
    expect(received[0]!.correlationId).toMatch(/^evt_/)
    const stored = await node.infra.database.db
      .selectFrom('po_events')
      .select('payload')
      .where('tenant_id', '=', admin.tenantId)
      .where('type', '=', 'ledger.posted')
      .execute()
    expect(stored.map((r: { payload: string }) => JSON.parse(r.payload) as unknown)).toEqual([{ n: 2 }])
  })

  it('routes only matching types, only within the tenant, exactly once into a mailbox target', async () => {
    const box = uniqueMailbox('journeys')
    const subscriptionId = await subscribe(admin, 'journey.*', { kind: 'mailbox', mailbox: box })
    await subscribe(stranger, 'journey.*', { kind: 'mailbox', mailbox: box })
    const eventId = await publish(admin, 'journey.started', { run: 1 })
    await publish(admin, 'journey.step.done', { run: 1 })
    await publish(admin, 'billing.started', {})
    await dispatch()
    await dispatch()
    const received = await po.receive(admin, box, '?max=10')
    expect(received).toMatchObject([
      {
        type: 'journey.started',
        payload: { run: 1 },
        correlationId: eventId,
        sender: `user:${admin.userId}`,
      },
    ])
    expect(await po.receive(stranger, box)).toEqual([])
    expect(await deliveries(admin, subscriptionId)).toMatchObject([
      { eventId, status: 'delivered', attempts: 1 },
    ])
  })

  it('pushes events to WebSocket subscribers of a matching events: channel, and to nobody else', async () => {
    const base = await node.listen()
    const mine = await openSocket(base, admin.accessToken)
    const theirs = await openSocket(base, stranger.accessToken)
    try {
      for (const socket of [mine, theirs]) {
        socket.send({ op: 'subscribe', channel: 'events:journey.*' })
        await socket.waitFor((f) => f['type'] === 'subscribed')
      }
      await subscribe(admin, 'journey.#', { kind: 'websocket' })
      const eventId = await publish(admin, 'journey.completed', { score: 9 })
      await dispatch()
      const frame = await mine.waitFor((f) => f['type'] === 'event')
      expect(frame).toMatchObject({
        channel: 'events:journey.*',
        topic: 'journey.completed',
        data: { id: eventId, type: 'journey.completed', payload: { score: 9 } },
      })
      await publish(stranger, 'other.thing', {})
      await dispatch()
      expect(theirs.frames.filter((f) => f['type'] === 'event')).toEqual([])
    } finally {
      mine.socket.close()
      theirs.socket.close()
    }
  })

  it('starts a Conductor workflow once per event and subscription, retrying until the workflow exists', async () => {
    const workflow = `fulfil-order-${process.pid}`
    const subscriptionId = await subscribe(admin, 'order.placed', { kind: 'workflow', workflow, version: 1 })
    const eventId = await publish(admin, 'order.placed', { order: 'o-1' })
    await dispatch()
    const [waiting] = await deliveries(admin, subscriptionId)
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 })
    expect(waiting!.lastError).toContain(`No workflow ${workflow}`)

    const defined = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: admin.auth,
      payload: { name: workflow, steps: [{ id: 'pack', type: 'human' }] },
    })
    expect(defined.statusCode).toBe(201)
    clock.advance(1000)
    await dispatch()
    expect(await deliveries(admin, subscriptionId)).toMatchObject([{ status: 'delivered', attempts: 2 }])
    const executions = await node.gateway.inject({
      method: 'GET',
      url: `/api/v1/executions?workflow=${workflow}`,
      headers: admin.auth,
    })
    const items = executions.json<{ items: { id: string }[] }>().items
    expect(items).toHaveLength(1)
    const execution = await node.gateway.inject({
      method: 'GET',
      url: `/api/v1/executions/${items[0]!.id}`,
      headers: admin.auth,
    })
    expect(execution.json()).toMatchObject({
      version: 1,
      input: { id: eventId, type: 'order.placed', payload: { order: 'o-1' } },
    })
    // The same delivery again (as after a crash before it was marked delivered) starts nothing new.
    const started = await node.services.conductor.executions.start(
      { tenantId: admin.tenantId, userId: 'service:post-office' },
      workflow,
      { idempotencyKey: `event:${eventId}:${subscriptionId}` },
    )
    expect(started).toMatchObject({ created: false, row: { id: items[0]!.id } })
  })

  it('records a delivery as dead after the maximum attempts', async () => {
    const subscriptionId = await subscribe(admin, 'never.started', { kind: 'workflow', workflow: 'missing' })
    await publish(admin, 'never.started', {})
    for (let attempt = 1; attempt <= 3; attempt++) {
      await dispatch()
      clock.advance(10_000)
    }
    await dispatch()
    expect(await deliveries(admin, subscriptionId)).toMatchObject([
      { status: 'dead', attempts: 3, nextAttemptAt: null },
    ])
  })

  it('lists, reads and deletes subscriptions within the tenant only', async () => {
    const id = await subscribe(admin, 'crud.*', { kind: 'websocket' })
    const listed = await po.call(admin, 'GET', '/api/v1/subscriptions?limit=200')
    expect(listed.json<{ items: { id: string }[] }>().items.map((s) => s.id)).toContain(id)
    expect((await po.call(admin, 'GET', `/api/v1/subscriptions/${id}`)).json()).toMatchObject({
      id,
      pattern: 'crud.*',
      target: { kind: 'websocket' },
    })
    for (const [method, url] of [
      ['GET', `/api/v1/subscriptions/${id}`],
      ['GET', `/api/v1/subscriptions/${id}/deliveries`],
      ['DELETE', `/api/v1/subscriptions/${id}`],
    ] as const) {
      const response = await po.call(stranger, method, url)
      expect([response.statusCode, errorCode(response)]).toEqual([404, 'SUBSCRIPTION_NOT_FOUND'])
    }
    const strangers = await po.call(stranger, 'GET', '/api/v1/subscriptions')
    expect(strangers.json<{ items: { id: string }[] }>().items.map((s) => s.id)).not.toContain(id)
    expect((await po.call(admin, 'DELETE', `/api/v1/subscriptions/${id}`)).statusCode).toBe(204)
    expect((await po.call(admin, 'GET', `/api/v1/subscriptions/${id}`)).statusCode).toBe(404)
  })

  it('answers bad patterns, types and targets with 400 and stable codes', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ pattern: 'a.#.b', target: { kind: 'websocket' } }, 'PATTERN_INVALID'],
      [{ pattern: 'a..b', target: { kind: 'websocket' } }, 'PATTERN_INVALID'],
      [{ pattern: 'a.*', target: { kind: 'mailbox', mailbox: '/x' } }, 'MAILBOX_NAME_INVALID'],
      [{ pattern: 'a.*', target: { kind: 'carrier-pigeon' } }, 'VALIDATION_FAILED'],
      [{ pattern: 'a.*', target: { kind: 'webhook', url: 'ftp://example.com/' } }, 'WEBHOOK_URL_INVALID'],
    ]
    for (const [body, code] of cases) {
      const response = await po.call(admin, 'POST', '/api/v1/subscriptions', body)
      expect([response.statusCode, errorCode(response)], JSON.stringify(body)).toEqual([400, code])
    }
    const badType = await po.call(admin, 'POST', '/api/v1/events', { type: 'journey.*', payload: 1 })
    expect([badType.statusCode, errorCode(badType)]).toEqual([400, 'EVENT_TYPE_INVALID'])
  })
})
