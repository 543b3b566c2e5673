import { beforeAll, expect, it, vi } from 'vitest'
import { type ManualClock, createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { postOfficeClient, uniqueMailbox } from './support.js'

describeOnProfiles('Post Office mailboxes', (profile) => {
  let node: Platform
  let clock: ManualClock
  let admin: Account
  let member: Account
  let stranger: Account
  const po = postOfficeClient(() => node)

  beforeAll(async () => {
    clock = createManualClock(Date.now())
    node = await profile.startNode(
      {
        SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400',
        SYMPHAINY_MAILBOX_VISIBILITY_SECONDS: '30',
        SYMPHAINY_MAILBOX_MAX_ATTEMPTS: '3',
      },
      { clock },
    )
    admin = await signUp(node.gateway)
    member = await addUser(node.gateway, admin, ['member'], 'consumer')
    stranger = await signUp(node.gateway)
  })

  it('sends, receives the whole envelope under a lease, and ack removes the message', async () => {
    const box = uniqueMailbox()
    const id = await po.send(admin, {
      type: 'invoice.ready',
      recipient: box,
      payload: { invoice: 7 },
      correlationId: 'corr-1',
    })
    expect(id).toMatch(/^msg_/)
    const [message, ...rest] = await po.receive(member, box)
    expect(rest).toEqual([])
    expect(message).toMatchObject({
      id,
      type: 'invoice.ready',
      sender: `user:${admin.userId}`,
      recipient: box,
      correlationId: 'corr-1',
      payload: { invoice: 7 },
      attempts: 1,
    })
    expect(Date.parse(message!.leaseExpiresAt)).toBe(clock.now() + 30_000)
    expect(await po.receive(member, box)).toEqual([])
    expect((await po.ack(member, message!)).statusCode).toBe(204)
    clock.advance(31_000)
    expect(await po.receive(member, box)).toEqual([])
    const again = await po.ack(member, message!)
    expect([again.statusCode, errorCode(again)]).toEqual([404, 'MESSAGE_NOT_FOUND'])
  })

  it('receives in send order, at most `max` at a time', async () => {
    const box = uniqueMailbox()
    for (const n of [1, 2, 3]) await po.send(admin, { type: 'n', recipient: box, payload: n })
    const first = await po.receive(member, box, '?max=2')
    expect(first.map((m) => m.payload)).toEqual([1, 2])
    expect((await po.receive(member, box)).map((m) => m.payload)).toEqual([3])
  })

  it('redelivers a nacked message at once, or after the requested delay', async () => {
    const box = uniqueMailbox()
    await po.send(admin, { type: 't', recipient: box, payload: 'x' })
    const [first] = await po.receive(member, box)
    const nacked = await po.nack(member, first!, { error: 'handler crashed' })
    expect(nacked.json()).toEqual({ deadLettered: false })
    const [second] = await po.receive(member, box)
    expect(second).toMatchObject({ id: first!.id, attempts: 2 })
    expect(second!.receipt).not.toBe(first!.receipt)
    await po.nack(member, second!, { delaySeconds: 60 })
    expect(await po.receive(member, box)).toEqual([])
    clock.advance(60_000)
    expect(await po.receive(member, box)).toMatchObject([{ id: first!.id, attempts: 3 }])
  })

  it('redelivers when a consumer dies without acking, once the visibility timeout passes', async () => {
    const box = uniqueMailbox()
    const id = await po.send(admin, { type: 't', recipient: box, payload: {} })
    const [dead] = await po.receive(member, box, '?visibilitySeconds=10')
    expect(dead!.attempts).toBe(1)
    clock.advance(9_999)
    expect(await po.receive(member, box)).toEqual([])
    clock.advance(1)
    const [redelivered] = await po.receive(member, box)
    expect(redelivered).toMatchObject({ id, attempts: 2 })

    // The dead consumer's receipt no longer holds the lease: it cannot ack or nack the new consumer's message.
    const staleAck = await po.ack(member, dead!)
    expect([staleAck.statusCode, errorCode(staleAck)]).toEqual([409, 'RECEIPT_STALE'])
    const staleNack = await po.nack(member, dead!)
    expect([staleNack.statusCode, errorCode(staleNack)]).toEqual([409, 'RECEIPT_STALE'])
    expect((await po.ack(member, redelivered!)).statusCode).toBe(204)
  })

  it('moves a message to the dead letters after N deliveries without an ack', async () => {
    const box = uniqueMailbox()
    const id = await po.send(admin, { type: 'poison', recipient: box, payload: { bad: true } })
    for (const attempt of [1, 2, 3]) {
      const [message] = await po.receive(member, box)
      expect(message).toMatchObject({ id, attempts: attempt })
      clock.advance(30_000)
    }
    expect(await po.receive(member, box)).toEqual([])
    const dead = await po.deadLetters(member, box)
    expect(dead).toMatchObject([{ id, attempts: 3, payload: { bad: true }, type: 'poison' }])
    expect(dead[0]!.lastError).toContain('not acked after 3 deliveries')
  })

  it('dead-letters at once a nack of the last allowed attempt', async () => {
    const box = uniqueMailbox()
    const id = await po.send(admin, { type: 'poison', recipient: box, payload: 1 })
    for (const attempt of [1, 2, 3]) {
      const [message] = await po.receive(member, box)
      const response = await po.nack(member, message!, { error: `failed ${attempt}` })
      expect(response.json()).toEqual({ deadLettered: attempt === 3 })
    }
    expect(await po.deadLetters(member, box)).toMatchObject([{ id, lastError: 'failed 3' }])
  })

  it('replays a dead letter with its attempts from zero, and deletes one for good', async () => {
    const box = uniqueMailbox()
    const poison = async (n: number) => {
      const id = await po.send(admin, { type: 'poison', recipient: box, payload: n })
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        const [message] = await po.receive(member, box)
        expect(message!.id).toBe(id)
        await po.nack(member, message!, { error: `failed ${n}` })
      }
      return id
    }
    const first = await poison(1)
    const second = await poison(2)
    expect((await po.deadLetters(member, box)).map((m) => m.id)).toEqual([first, second])

    const replayed = await po.call(member, 'POST', `/api/v1/mailboxes/${box}/dead-letters/${first}/replay`)
    expect(replayed.statusCode).toBe(204)
    expect((await po.deadLetters(member, box)).map((m) => m.id)).toEqual([second])
    const [again] = await po.receive(member, box)
    expect(again).toMatchObject({ id: first, attempts: 1, payload: 1 })
    // A full set of deliveries again: dead only after three more.
    clock.advance(30_000)
    expect(await po.receive(member, box)).toMatchObject([{ id: first, attempts: 2 }])
    clock.advance(30_000)
    expect(await po.receive(member, box)).toMatchObject([{ id: first, attempts: 3 }])
    clock.advance(30_000)
    expect(await po.receive(member, box)).toEqual([])
    // Buried by its lease running out this time, so the earlier nack's error is not carried over.
    const buried = await po.deadLetters(member, box)
    expect(buried.map((m) => [m.id, m.lastError])).toEqual([
      [first, 'not acked after 3 deliveries'],
      [second, 'failed 2'],
    ])

    const twice = await po.call(member, 'POST', `/api/v1/mailboxes/${box}/dead-letters/${first}/replay`)
    expect(twice.statusCode).toBe(204)
    const [leased] = await po.receive(member, box)
    const notDead = await po.call(member, 'POST', `/api/v1/mailboxes/${box}/dead-letters/${first}/replay`)
    expect([notDead.statusCode, errorCode(notDead)]).toEqual([404, 'DEAD_LETTER_NOT_FOUND'])
    expect((await po.ack(member, leased!)).statusCode).toBe(204)

    const removed = await po.call(member, 'DELETE', `/api/v1/mailboxes/${box}/dead-letters/${second}`)
    expect(removed.statusCode).toBe(204)
    expect(await po.deadLetters(member, box)).toEqual([])
    const gone = await po.call(member, 'DELETE', `/api/v1/mailboxes/${box}/dead-letters/${second}`)
    expect([gone.statusCode, errorCode(gone)]).toEqual([404, 'DEAD_LETTER_NOT_FOUND'])
  })

  it('replays the oldest dead letters in batches and says how many are left', async () => {
    const box = uniqueMailbox()
    const ids: string[] = []
    for (let n = 0; n < 5; n += 1)
      ids.push(await po.send(admin, { type: 'poison', recipient: box, payload: n }))
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect(await po.receive(member, box, '?max=10')).toHaveLength(5)
      clock.advance(30_000)
    }
    const replay = (query = '') =>
      po.call(member, 'POST', `/api/v1/mailboxes/${box}/dead-letters/replay${query}`)
    const some = await replay('?max=2')
    expect([some.statusCode, some.json()]).toEqual([200, { replayed: 2, remaining: 3 }])
    expect((await po.receive(member, box, '?max=10')).map((m) => m.id)).toEqual(ids.slice(0, 2))
    const rest = await replay()
    expect(rest.json()).toEqual({ replayed: 3, remaining: 0 })
    expect((await po.receive(member, box, '?max=10')).map((m) => m.id)).toEqual(ids.slice(2))
    expect((await replay()).json()).toEqual({ replayed: 0, remaining: 0 })
    const tooMany = await replay('?max=1001')
    expect([tooMany.statusCode, errorCode(tooMany)]).toEqual([400, 'VALIDATION_FAILED'])
  })

  it("never replays or deletes another tenant's or another mailbox's dead letters", async () => {
    const box = uniqueMailbox()
    const id = await po.send(admin, { type: 'poison', recipient: box, payload: 'x' })
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await po.receive(member, box)
      clock.advance(30_000)
    }
    const attempts = [
      await po.call(stranger, 'POST', `/api/v1/mailboxes/${box}/dead-letters/${id}/replay`),
      await po.call(stranger, 'DELETE', `/api/v1/mailboxes/${box}/dead-letters/${id}`),
      await po.call(member, 'POST', `/api/v1/mailboxes/${uniqueMailbox()}/dead-letters/${id}/replay`),
    ]
    for (const response of attempts)
      expect([response.statusCode, errorCode(response)]).toEqual([404, 'DEAD_LETTER_NOT_FOUND'])
    const strangerBatch = await po.call(stranger, 'POST', `/api/v1/mailboxes/${box}/dead-letters/replay`)
    expect(strangerBatch.json()).toEqual({ replayed: 0, remaining: 0 })
    expect((await po.deadLetters(member, box)).map((m) => m.id)).toEqual([id])
    const viewer = await addUser(node.gateway, admin, ['viewer'], 'dead-viewer')
    const denied = await po.call(viewer, 'POST', `/api/v1/mailboxes/${box}/dead-letters/${id}/replay`)
    expect([denied.statusCode, errorCode(denied)]).toEqual([403, 'PERMISSION_DENIED'])
  })

  it('a long poll is woken by a send', async () => {
    const box = uniqueMailbox()
    // The manual clock never moves here, so only the wake-up hint can end this wait.
    const waiting = po.receive(member, box, '?wait=20')
    await vi.waitFor(() => expect(node.services.postOffice.mailboxes.wakeups.waiting()).toBe(1))
    await po.send(admin, { type: 'wake', recipient: box, payload: 'up' })
    expect(await waiting).toMatchObject([{ type: 'wake', payload: 'up' }])
  })

  it('a long poll without messages ends when its wait passes', async () => {
    const box = uniqueMailbox()
    const waiting = po.receive(member, box, '?wait=5')
    await vi.waitFor(() => expect(node.services.postOffice.mailboxes.wakeups.waiting()).toBe(1))
    clock.advance(5_000)
    expect(await waiting).toEqual([])
  })

  it('keeps tenants apart: same mailbox name, separate mailboxes; foreign ids are 404', async () => {
    const box = uniqueMailbox('shared-name')
    await po.send(admin, { type: 'private', recipient: box, payload: 'mine' })
    expect(await po.receive(stranger, box)).toEqual([])
    expect(await po.deadLetters(stranger, box)).toEqual([])
    const [message] = await po.receive(member, box)
    for (const response of [await po.ack(stranger, message!), await po.nack(stranger, message!)])
      expect([response.statusCode, errorCode(response)]).toEqual([404, 'MESSAGE_NOT_FOUND'])
    expect((await po.ack(member, message!)).statusCode).toBe(204)
  })

  it('answers bad input with 4xx and stable codes', async () => {
    const badName = await po.call(admin, 'POST', '/api/v1/messages', {
      type: 't',
      recipient: '../etc',
      payload: 1,
    })
    expect([badName.statusCode, errorCode(badName)]).toEqual([400, 'MAILBOX_NAME_INVALID'])
    const missing = await po.call(admin, 'POST', '/api/v1/messages', { type: 't', payload: 1 })
    expect([missing.statusCode, errorCode(missing)]).toEqual([400, 'VALIDATION_FAILED'])
    const badWait = await po.call(admin, 'GET', `/api/v1/mailboxes/${uniqueMailbox()}/messages?wait=-1`)
    expect(badWait.statusCode).toBe(400)
    const badReceipt = await po.call(admin, 'POST', '/api/v1/messages/msg_x/ack', {})
    expect(badReceipt.statusCode).toBe(400)
  })

  it('lets viewers read dead letters but not consume', async () => {
    const viewer = await addUser(node.gateway, admin, ['viewer'], 'viewer')
    const response = await po.call(viewer, 'GET', `/api/v1/mailboxes/${uniqueMailbox()}/messages`)
    expect([response.statusCode, errorCode(response)]).toEqual([403, 'PERMISSION_DENIED'])
  })
})
