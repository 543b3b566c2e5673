import { afterEach, beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { type TestSocket, openSocket } from '../support/ws-client.js'

describeOnProfiles('real-time session state over WebSocket', (profile) => {
  let node: Platform
  let base: string
  let owner: Account
  let colleague: Account
  let stranger: Account
  const sockets: TestSocket[] = []

  const open = async (who: Account, url = base) => {
    const socket = await openSocket(url, who.accessToken)
    sockets.push(socket)
    return socket
  }
  const newSession = async (who: Account) =>
    (
      await node.gateway.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        headers: who.auth,
        payload: { sessionType: 'live' },
      })
    ).json<{ id: string }>().id
  const put = (who: Account, id: string, data: Record<string, unknown>, target = node) =>
    target.gateway.inject({
      method: 'PUT',
      url: `/api/v1/sessions/${id}/state`,
      headers: who.auth,
      payload: { data },
    })
  const stateFrames = (socket: TestSocket, channel: string) =>
    socket.frames.filter((f) => f['channel'] === channel && (f['type'] === 'state' || f['type'] === 'resync'))

  beforeAll(async () => {
    node = await profile.startNode({ PORT: '0', SYMPHAINY_WS_MAX_CONNECTIONS_PER_USER: '3' })
    base = await node.listen()
    owner = await signUp(node.gateway)
    colleague = await addUser(node.gateway, owner, ['member'], 'colleague')
    stranger = await signUp(node.gateway)
  })

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.socket.terminate()
    await expect.poll(() => node.services.trafficCop.realtime.stats().connections).toBe(0)
  })

  it('subscribes to a session: current state first, then every change in version order', async () => {
    const id = await newSession(owner)
    const socket = await open(owner)
    const channel = `session:${id}`
    socket.send({ op: 'subscribe', channel })
    await socket.waitFor((f) => f['type'] === 'state' && f['channel'] === channel)
    for (let i = 1; i <= 6; i++) expect((await put(owner, id, { step: i })).statusCode).toBe(200)
    await socket.waitFor((f) => f['type'] === 'state' && f['version'] === 6)
    expect(
      stateFrames(socket, channel).map((f) => [f['version'], (f['data'] as { step?: number }).step ?? 0]),
    ).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
      [6, 6],
    ])
    socket.send({ op: 'unsubscribe', channel })
    await socket.waitFor((f) => f['type'] === 'unsubscribed')
    await put(owner, id, { step: 7 })
    socket.send({ op: 'ping' })
    await socket.waitFor((f) => f['type'] === 'pong')
    expect(stateFrames(socket, channel).some((f) => f['version'] === 7)).toBe(false)
  })

  it("refuses another user's or another tenant's session with an error frame and never delivers it", async () => {
    const id = await newSession(owner)
    for (const who of [colleague, stranger]) {
      const socket = await open(who)
      socket.send({ op: 'subscribe', channel: `session:${id}` })
      const error = await socket.waitFor((f) => f['type'] === 'error')
      expect(error).toMatchObject({ channel: `session:${id}`, data: { code: 'CHANNEL_REFUSED' } })
      await put(owner, id, { secret: true })
      socket.send({ op: 'ping' })
      await socket.waitFor((f) => f['type'] === 'pong')
      expect(socket.frames.some((f) => f['type'] === 'state')).toBe(false)
      socket.socket.close()
    }
  })

  it('resumes from `since` with the missed versions, and answers resync when the gap is too old', async () => {
    const id = await newSession(owner)
    for (let i = 1; i <= 5; i++) await put(owner, id, { i })
    const socket = await open(owner)
    socket.send({ op: 'subscribe', channel: `session:${id}`, since: 2 })
    await socket.waitFor((f) => f['version'] === 5)
    expect(stateFrames(socket, `session:${id}`).map((f) => [f['type'], f['version']])).toEqual([
      ['state', 3],
      ['state', 4],
      ['state', 5],
    ])
    for (let i = 6; i <= 106; i++) await put(owner, id, { i })
    const late = await open(owner)
    late.send({ op: 'subscribe', channel: `session:${id}`, since: 1 })
    const resync = await late.waitFor((f) => f['type'] === 'resync')
    expect(resync).toMatchObject({ version: 106, data: { i: 106 } })
    socket.socket.close()
    late.socket.close()
  })

  it('closes the session’s sockets when it ends, and the user’s sockets when the user is disabled', async () => {
    const id = await newSession(owner)
    const watcher = await open(owner)
    watcher.send({ op: 'subscribe', channel: `session:${id}` })
    await watcher.waitFor((f) => f['type'] === 'state')
    await node.gateway.inject({ method: 'DELETE', url: `/api/v1/sessions/${id}`, headers: owner.auth })
    expect(await watcher.closed).toBe(4410)

    const member = await addUser(node.gateway, owner, ['member'], 'doomed')
    const memberSocket = await open(member)
    await node.gateway.inject({
      method: 'PATCH',
      url: `/api/v1/users/${member.userId}`,
      headers: owner.auth,
      payload: { status: 'disabled' },
    })
    expect(await memberSocket.closed).toBe(4401)
  })

  it('closes the sockets of a login session on logout and caps connections per user', async () => {
    const user = await addUser(node.gateway, owner, ['member'], 'capped')
    const first = await open(user)
    await open(user)
    await open(user)
    await expect(open(user)).rejects.toThrow('closed with 4429 before ready')
    await node.gateway.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: user.auth })
    expect(await first.closed).toBe(4401)
  })

  it('delivers tenant-scoped events and run milestones, never another tenant’s', async () => {
    const socket = await open(owner)
    socket.send({ op: 'subscribe', channel: 'events:journey.*' })
    socket.send({ op: 'subscribe', channel: 'run:run_1' })
    await socket.waitFor((f) => f['type'] === 'subscribed' && f['channel'] === 'run:run_1')
    await socket.waitFor((f) => f['type'] === 'subscribed' && f['channel'] === 'events:journey.*')
    await node.infra.pubSub.publish(
      `tc:events:${stranger.tenantId}:journey.started`,
      JSON.stringify({ leak: true }),
    )
    await node.infra.pubSub.publish(`tc:events:${owner.tenantId}:journey.started`, JSON.stringify({ ok: 1 }))
    await node.infra.pubSub.publish(`tc:run:${owner.tenantId}:run_1`, JSON.stringify({ milestone: 'm1' }))
    const event = await socket.waitFor((f) => f['type'] === 'event')
    expect(event).toMatchObject({ channel: 'events:journey.*', data: { ok: 1 } })
    await socket.waitFor((f) => f['type'] === 'milestone')
    expect(JSON.stringify(socket.frames)).not.toContain('leak')
    socket.send({ op: 'subscribe', channel: 'bogus:1' })
    expect(await socket.waitFor((f) => f['type'] === 'error')).toMatchObject({
      data: { code: 'CHANNEL_INVALID' },
    })
  })

  it.runIf(profile.canShareNodes)(
    'a change made on node A reaches a socket subscribed on node B',
    async () => {
      const other = await profile.startNode({ PORT: '0' })
      const otherBase = await other.listen()
      const id = await newSession(owner)
      const onB = await open(owner, otherBase)
      onB.send({ op: 'subscribe', channel: `session:${id}` })
      await onB.waitFor((f) => f['type'] === 'state')
      for (let i = 1; i <= 3; i++) await put(owner, id, { from: 'A', i })
      await onB.waitFor((f) => f['version'] === 3)
      expect(stateFrames(onB, `session:${id}`).map((f) => f['version'])).toEqual([0, 1, 2, 3])
    },
  )
})

describeOnProfiles('WebSocket liveness and back-pressure', (profile) => {
  let node: Platform
  let base: string
  let owner: Account

  beforeAll(async () => {
    node = await profile.startNode({
      PORT: '0',
      SYMPHAINY_WS_HEARTBEAT_MS: '300',
      SYMPHAINY_WS_SEND_BUFFER_BYTES: '4096',
    })
    base = await node.listen()
    owner = await signUp(node.gateway)
  })

  it('reaps a peer that stops answering pings', async () => {
    const silent = await openSocket(base, owner.accessToken, { autoPong: false })
    expect(await silent.closed).toBe(1006)
    await expect.poll(() => node.services.trafficCop.realtime.stats().connections).toBe(0)
  })

  it('terminates a reader too slow to drain its buffer, keeping memory bounded', async () => {
    // Its own node with a heartbeat too slow to fire here, so only back-pressure can end the connection.
    const node = await profile.startNode({
      PORT: '0',
      SYMPHAINY_WS_HEARTBEAT_MS: '600000',
      SYMPHAINY_WS_SEND_BUFFER_BYTES: '4096',
    })
    const base = await node.listen()
    const owner = await signUp(node.gateway)
    const id = (
      await node.gateway.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        headers: owner.auth,
        payload: { sessionType: 'big' },
      })
    ).json<{ id: string }>().id
    const slow = await openSocket(base, owner.accessToken)
    slow.send({ op: 'subscribe', channel: `session:${id}` })
    await slow.waitFor((f) => f['type'] === 'state')
    slow.socket.pause()
    const blob = 'x'.repeat(200 * 1024)
    for (let i = 0; i < 60 && node.services.trafficCop.realtime.stats().connections > 0; i++) {
      await node.gateway.inject({
        method: 'PUT',
        url: `/api/v1/sessions/${id}/state`,
        headers: owner.auth,
        payload: { data: { i, blob } },
      })
    }
    await expect.poll(() => node.services.trafficCop.realtime.stats().connections).toBe(0)
    slow.socket.resume()
    expect(await slow.closed).toBe(1006)
  })
})
