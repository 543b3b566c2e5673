import type { Principal } from '../../../kernel/principal.js'
import { parseRevocation, revocationTopic } from '../../../kernel/revocations.js'
import type { Subscription } from '../../../ports/pub-sub.js'
import type { TrafficCopDeps } from '../module.js'
import { type SessionMessage, parseSessionMessage, sessionTopic } from '../sessions/channels.js'
import type { Sessions } from '../sessions/sessions.js'
import type { SessionState } from '../sessions/state.js'
import { realtimeErrors } from './errors.js'

/**
 * The WebSocket side of the Traffic Cop on one node. Connections subscribe to channels; each channel is one
 * pub/sub topic subscribed once per node (reference-counted), so a change published on any node reaches every
 * subscriber everywhere. Session state reaches each subscriber strictly in version order: a gap is filled from
 * the kept versions, or answered with an explicit `resync` carrying the current state. `run:` and `events:`
 * topics are namespaced by tenant, so no message of another tenant can ever reach a connection.
 */
export interface RealtimeSocket {
  send(text: string): void
  close(code: number, reason: string): void
  /** Drops the connection without a closing handshake, releasing its buffers at once. */
  terminate(): void
  readonly bufferedAmount: number
}

export const realtimeClose = { revoked: 4401, sessionEnded: 4410, tooMany: 4429 } as const
export const maxSubscriptionsPerConnection = 100

interface ChannelSubscription {
  channel: string
  lastVersion: number
  queue: Promise<void>
}

interface Connection {
  socket: RealtimeSocket
  principal: Principal
  subscriptions: Map<string, ChannelSubscription>
  closed: boolean
}

export const runTopic = (tenantId: string, runId: string) => `tc:run:${tenantId}:${runId}`
export const eventTopic = (tenantId: string, type: string) => `tc:events:${tenantId}:${type}`

const channelPattern = /^(session|run):([A-Za-z0-9_-]{1,64})$|^events:([A-Za-z0-9._*-]{1,128})$/

export function createRealtimeHub(deps: TrafficCopDeps, sessions: Sessions, state: SessionState) {
  const { sendBufferBytes, maxPerUser } = {
    sendBufferBytes: deps.config.trafficCop.wsSendBufferBytes,
    maxPerUser: deps.config.trafficCop.wsMaxConnectionsPerUser,
  }
  const connections = new Set<Connection>()
  const listeners = new Map<string, { subscribers: Set<Connection>; pending: Promise<Subscription> }>()
  let revocations: Subscription | undefined
  let retry: { cancel(): void } | undefined
  let stopped = false
  const retryMs = 3000

  function onRevocation(message: string): void {
    const revocation = parseRevocation(message)
    if (!revocation) return
    for (const connection of [...connections]) {
      const sameUser = connection.principal.userId === revocation.userId
      const sameLogin =
        revocation.loginSessionId === undefined ||
        connection.principal.sessionId === revocation.loginSessionId
      if (sameUser && sameLogin) close(connection, realtimeClose.revoked, 'credentials revoked')
    }
  }

  function send(connection: Connection, frame: Record<string, unknown>): void {
    if (connection.closed) return
    if (connection.socket.bufferedAmount > sendBufferBytes) {
      // A closing frame would queue behind the backlog; terminating frees the buffers now.
      connection.socket.terminate()
      return detach(connection)
    }
    connection.socket.send(JSON.stringify(frame))
  }

  function close(connection: Connection, code: number, reason: string): void {
    if (connection.closed) return
    connection.closed = true
    connection.socket.close(code, reason)
    detach(connection)
  }

  function detach(connection: Connection): void {
    connection.closed = true
    connections.delete(connection)
    for (const channel of connection.subscriptions.keys()) void release(channel, connection)
    connection.subscriptions.clear()
  }

  function topicOf(channel: string, tenantId: string): string {
    const [kind, ...rest] = channel.split(':')
    const name = rest.join(':')
    if (kind === 'session') return sessionTopic(name)
    if (kind === 'run') return runTopic(tenantId, name)
    return eventTopic(tenantId, name)
  }

  async function acquire(topic: string, connection: Connection, pattern: boolean): Promise<void> {
    let listener = listeners.get(topic)
    if (!listener) {
      const subscribers = new Set<Connection>()
      const handler = (message: string, published: string) => deliver(topic, subscribers, message, published)
      const pending = pattern
        ? deps.pubSub.subscribePattern(topic, handler)
        : deps.pubSub.subscribe(topic, handler)
      listener = { subscribers, pending }
      listeners.set(topic, listener)
    }
    listener.subscribers.add(connection)
    await listener.pending
  }

  async function release(channel: string, connection: Connection): Promise<void> {
    const topic = topicOf(channel, connection.principal.tenantId)
    const listener = listeners.get(topic)
    if (!listener) return
    listener.subscribers.delete(connection)
    if (listener.subscribers.size > 0) return
    listeners.delete(topic)
    await (await listener.pending).unsubscribe()
  }

  function deliver(topic: string, subscribers: Set<Connection>, message: string, published: string): void {
    if (topic.startsWith('tc:session:')) {
      const parsed = parseSessionMessage(message)
      if (parsed) for (const connection of subscribers) onSessionMessage(connection, parsed)
      return
    }
    const [, kind, , ...name] = published.split(':')
    let data: unknown
    try {
      data = JSON.parse(message)
    } catch {
      return
    }
    for (const connection of subscribers) {
      const channel = [...connection.subscriptions.keys()].find(
        (c) => topicOf(c, connection.principal.tenantId) === topic,
      )
      if (channel)
        send(connection, {
          type: kind === 'run' ? 'milestone' : 'event',
          channel,
          data,
          topic: name.join(':'),
        })
    }
  }

  function onSessionMessage(connection: Connection, message: SessionMessage): void {
    const channel = `session:${message.sessionId}`
    const subscription = connection.subscriptions.get(channel)
    if (!subscription || message.tenantId !== connection.principal.tenantId) return
    if (message.type === 'ended') {
      send(connection, { type: 'event', channel, data: { event: 'session.ended', reason: message.reason } })
      return close(connection, realtimeClose.sessionEnded, 'session ended')
    }
    subscription.queue = subscription.queue.then(async () => {
      if (message.version <= subscription.lastVersion) return
      if (message.version === subscription.lastVersion + 1) {
        subscription.lastVersion = message.version
        return send(connection, { type: 'state', channel, version: message.version, data: message.data })
      }
      await catchUp(connection, subscription, message.sessionId)
    })
  }

  async function catchUp(
    connection: Connection,
    subscription: ChannelSubscription,
    sessionId: string,
  ): Promise<void> {
    const { current, versions } = await state.versionsSince(
      connection.principal.tenantId,
      sessionId,
      subscription.lastVersion,
    )
    if (versions === undefined) {
      subscription.lastVersion = current.version
      return send(connection, {
        type: 'resync',
        channel: subscription.channel,
        version: current.version,
        data: current.data,
      })
    }
    for (const version of versions) {
      if (version.version <= subscription.lastVersion) continue
      subscription.lastVersion = version.version
      send(connection, {
        type: 'state',
        channel: subscription.channel,
        version: version.version,
        data: version.data,
      })
    }
  }

  async function subscribe(connection: Connection, channel: unknown, since: unknown): Promise<void> {
    if (typeof channel !== 'string' || !channelPattern.test(channel)) {
      return sendError(
        connection,
        channel,
        realtimeErrors.CHANNEL_INVALID({ channel: String(channel).slice(0, 80) }),
      )
    }
    if (connection.subscriptions.has(channel)) return send(connection, { type: 'subscribed', channel })
    if (connection.subscriptions.size >= maxSubscriptionsPerConnection) {
      return sendError(
        connection,
        channel,
        realtimeErrors.TOO_MANY_SUBSCRIPTIONS({ max: maxSubscriptionsPerConnection }),
      )
    }
    const [kind, name] = [channel.slice(0, channel.indexOf(':')), channel.slice(channel.indexOf(':') + 1)]
    if (kind === 'session') {
      const owned = await sessions.requireOwn(connection.principal, name).then(
        () => true,
        () => false,
      )
      if (!owned) return sendError(connection, channel, realtimeErrors.CHANNEL_REFUSED({ channel }))
    }
    const subscription: ChannelSubscription = { channel, lastVersion: -1, queue: Promise.resolve() }
    connection.subscriptions.set(channel, subscription)
    await acquire(
      topicOf(channel, connection.principal.tenantId),
      connection,
      kind === 'events' && name.includes('*'),
    )
    if (connection.closed) return
    if (kind !== 'session') return send(connection, { type: 'subscribed', channel })
    const from = typeof since === 'number' && Number.isSafeInteger(since) && since >= 0 ? since : undefined
    subscription.queue = subscription.queue.then(async () => {
      if (from === undefined) {
        const { current } = await state.versionsSince(
          connection.principal.tenantId,
          name,
          Number.MAX_SAFE_INTEGER,
        )
        subscription.lastVersion = current.version
        send(connection, { type: 'subscribed', channel, version: current.version })
        return send(connection, { type: 'state', channel, version: current.version, data: current.data })
      }
      subscription.lastVersion = from
      send(connection, { type: 'subscribed', channel, version: from })
      await catchUp(connection, subscription, name)
    })
    await subscription.queue
  }

  function sendError(
    connection: Connection,
    channel: unknown,
    error: { code: string; message: string },
  ): void {
    send(connection, {
      type: 'error',
      channel: typeof channel === 'string' ? channel : null,
      data: { code: error.code, message: error.message },
    })
  }

  return {
    /**
     * Listens for revocations. If the bus is down at start-up the node still starts (so /ready can say what is
     * wrong) and keeps retrying every few seconds.
     */
    start(): Promise<void> {
      stopped = false
      const listen = () => {
        deps.pubSub.subscribe(revocationTopic, onRevocation).then(
          (subscription) => {
            if (stopped) void subscription.unsubscribe()
            else revocations = subscription
          },
          (error: unknown) => {
            deps.logger.warn({ err: error }, 'cannot listen for revocations yet; retrying')
            if (!stopped) retry = deps.clock.setTimer(retryMs, listen)
          },
        )
      }
      listen()
      return Promise.resolve()
    },
    async stop(): Promise<void> {
      stopped = true
      retry?.cancel()
      for (const connection of [...connections]) close(connection, 1001, 'server shutting down')
      await revocations?.unsubscribe()
    },

    /** Registers an authenticated socket; answers undefined (and closes it) when the user has too many. */
    attach(socket: RealtimeSocket, principal: Principal): Connection | undefined {
      const mine = [...connections].filter(
        (c) => c.principal.tenantId === principal.tenantId && c.principal.userId === principal.userId,
      )
      const connection: Connection = { socket, principal, subscriptions: new Map(), closed: false }
      if (mine.length >= maxPerUser) {
        socket.close(realtimeClose.tooMany, 'too many connections')
        return undefined
      }
      connections.add(connection)
      return connection
    },
    detach,
    async handle(
      connection: Connection,
      frame: { op: string; channel?: unknown; since?: unknown },
    ): Promise<boolean> {
      if (frame.op === 'subscribe') {
        await subscribe(connection, frame.channel, frame.since)
        return true
      }
      if (frame.op === 'unsubscribe') {
        const channel = typeof frame.channel === 'string' ? frame.channel : ''
        if (connection.subscriptions.delete(channel)) await release(channel, connection)
        send(connection, { type: 'unsubscribed', channel })
        return true
      }
      return false
    },
    stats: () => ({ connections: connections.size, topics: listeners.size }),
  }
}

export type RealtimeHub = ReturnType<typeof createRealtimeHub>
export type RealtimeConnection = Connection
