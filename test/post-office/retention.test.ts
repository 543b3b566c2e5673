import type { Kysely } from 'kysely'
import { expect, it } from 'vitest'
import { createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import type { PostOfficeTables } from '../../src/smart-city/post-office/tables.js'
import { type Account, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { postOfficeClient, uniqueMailbox } from './support.js'

const day = 86_400_000

describeOnProfiles('Post Office retention', (profile) => {
  async function start(retentionDays: string) {
    const clock = createManualClock(Date.now())
    const node = await profile.startNode(
      {
        SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400',
        SYMPHAINY_EVENT_RETRY_BASE_MS: '1000',
        SYMPHAINY_EVENT_MAX_ATTEMPTS: '3',
        SYMPHAINY_POST_OFFICE_RETENTION_DAYS: retentionDays,
      },
      { clock },
    )
    const admin = await signUp(node.gateway)
    const po = postOfficeClient(() => node)
    const dispatch = () => node.services.postOffice.dispatcher.runOnce()
    const subscribe = async (pattern: string, target: Record<string, unknown>) =>
      (await po.call(admin, 'POST', '/api/v1/subscriptions', { pattern, target })).json<{ id: string }>().id
    // Through the service: the clock moves days ahead, past any access token's life.
    const publish = async (type: string) =>
      (
        await node.services.postOffice.events.publish({
          tenantId: admin.tenantId,
          type,
          payload: { type },
          source: 'service:test',
        })
      ).id
    return { clock, node, admin, po, dispatch, subscribe, publish }
  }

  /** The tenant's outbox rows, straight from the tables. */
  async function outbox(node: Platform, admin: Account) {
    const db = node.infra.database.db as unknown as Kysely<PostOfficeTables>
    const events = await db
      .selectFrom('po_events')
      .select('id')
      .where('tenant_id', '=', admin.tenantId)
      .orderBy('id')
      .execute()
    const deliveries = await db
      .selectFrom('po_deliveries')
      .select(['event_id', 'status'])
      .where('tenant_id', '=', admin.tenantId)
      .orderBy('event_id')
      .execute()
    return { events: events.map((e) => e.id), deliveries: deliveries.map((d) => [d.event_id, d.status]) }
  }

  it('forgets old successful deliveries and finished events, and keeps dead deliveries and recent work', async () => {
    const { clock, node, admin, dispatch, subscribe, publish } = await start('7')
    const box = uniqueMailbox('retained')
    await subscribe('kept.ok', { kind: 'mailbox', mailbox: box })
    await subscribe('kept.bad', { kind: 'workflow', workflow: 'missing' })
    const delivered = await publish('kept.ok')
    const failed = await publish('kept.bad')
    const unmatched = await publish('kept.none')
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await dispatch()
      clock.advance(10_000)
    }
    await dispatch()
    expect((await outbox(node, admin)).deliveries).toEqual(
      [
        [delivered, 'delivered'],
        [failed, 'dead'],
      ].sort(),
    )

    clock.advance(6 * day)
    const { retention } = node.services.postOffice
    await retention.sweep()
    expect((await outbox(node, admin)).events).toEqual([delivered, failed, unmatched].sort())

    clock.advance(2 * day)
    const recent = await publish('kept.ok')
    await dispatch()
    await retention.sweep()
    const after = await outbox(node, admin)
    expect(after.events).toEqual([failed, recent].sort())
    expect(after.deliveries).toEqual(
      [
        [failed, 'dead'],
        [recent, 'delivered'],
      ].sort(),
    )
    // The mailbox keeps its messages: retention is about the outbox only.
    const db = node.infra.database.db as unknown as Kysely<PostOfficeTables>
    const messages = await db.selectFrom('po_messages').select('type').where('recipient', '=', box).execute()
    expect(messages.map((m) => m.type)).toEqual(['kept.ok', 'kept.ok'])
  })

  it('sweeps on its own every ten minutes', async () => {
    const { clock, node, admin, dispatch, subscribe, publish } = await start('1')
    await subscribe('swept.other', { kind: 'mailbox', mailbox: uniqueMailbox('swept') })
    const unmatched = await publish('swept.none')
    await dispatch()
    clock.advance(2 * day)
    expect((await outbox(node, admin)).events).toEqual([unmatched])
    // Each poll moves the clock to the next tick; a tick skips its sweep while the previous one still runs.
    await expect
      .poll(async () => {
        clock.advance(10 * 60_000)
        return (await outbox(node, admin)).events
      })
      .toEqual([])
  })

  it('keeps everything with retention 0', async () => {
    const { clock, node, admin, dispatch, subscribe, publish } = await start('0')
    await subscribe('forever.other', { kind: 'mailbox', mailbox: uniqueMailbox('forever') })
    const unmatched = await publish('forever.none')
    await dispatch()
    clock.advance(8 * day)
    expect(await node.services.postOffice.retention.sweep()).toEqual({ deliveries: 0, events: 0 })
    expect((await outbox(node, admin)).events).toEqual([unmatched])
  })
})
