import { storageErrors } from '../../ports/errors.js'
import type { MessageHandler, PubSub, Subscription } from '../../ports/pub-sub.js'
import { compileGlob } from './glob.js'

/**
 * The in-process message bus that memory PubSub instances share, the way Redis is shared by nodes. A message goes to
 * the listeners registered when it is published; deliveries run later, in one FIFO queue drained from a microtask, so
 * publish order holds for every channel and nothing runs inside `publish`.
 */
export interface MemoryBus {
  publish(channel: string, message: string): void
  /** Registers a listener on a channel or a Redis glob pattern; the returned function removes it. */
  listen(target: { channel: string } | { pattern: string }, deliver: MessageHandler): () => void
}

interface Listener {
  active: boolean
  matches: (channel: string) => boolean
  deliver: MessageHandler
}

export function createMemoryBus(): MemoryBus {
  const byChannel = new Map<string, Set<Listener>>()
  const byPattern = new Set<Listener>()
  let queue: Array<{ listener: Listener; message: string; channel: string }> = []
  let scheduled = false

  function drain(): void {
    scheduled = false
    const batch = queue
    queue = []
    for (const { listener, message, channel } of batch) {
      if (!listener.active) continue
      try {
        listener.deliver(message, channel)
      } catch {
        // A PubSub reports its handlers' errors itself; this only keeps a failing reporter from stopping the rest.
      }
    }
  }

  return {
    publish(channel, message) {
      const exact = byChannel.get(channel) ?? []
      const patterned = [...byPattern].filter((listener) => listener.matches(channel))
      for (const listener of [...exact, ...patterned]) queue.push({ listener, message, channel })
      if (!scheduled && queue.length > 0) {
        scheduled = true
        queueMicrotask(drain)
      }
    },
    listen(target, deliver) {
      if ('channel' in target) {
        const listener: Listener = { active: true, matches: (channel) => channel === target.channel, deliver }
        const set = byChannel.get(target.channel) ?? new Set()
        byChannel.set(target.channel, set.add(listener))
        return () => {
          listener.active = false
          set.delete(listener)
          if (set.size === 0 && byChannel.get(target.channel) === set) byChannel.delete(target.channel)
        }
      }
      const listener: Listener = { active: true, matches: compileGlob(target.pattern), deliver }
      byPattern.add(listener)
      return () => {
        listener.active = false
        byPattern.delete(listener)
      }
    },
  }
}

/**
 * PubSub over a MemoryBus: pass one bus to several instances to connect them, or none for a private bus.
 * `onHandlerError` hears about handlers that throw (default: ignored); the other handlers run regardless.
 * After `close()` its subscriptions are gone and every method fails with STORAGE_UNAVAILABLE, as on Redis.
 */
export function createMemoryPubSub(
  options: { bus?: MemoryBus; onHandlerError?: (error: unknown, channel: string) => void } = {},
): PubSub {
  const bus = options.bus ?? createMemoryBus()
  const report = options.onHandlerError ?? (() => undefined)
  const stops = new Set<() => void>()
  let closed = false

  function run<T>(operation: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      if (closed) throw storageErrors.STORAGE_UNAVAILABLE({ store: 'memory' })
      resolve(operation())
    })
  }

  function subscribe(target: { channel: string } | { pattern: string }, handler: MessageHandler) {
    return run((): Subscription => {
      const stop = bus.listen(target, (message, channel) => {
        try {
          handler(message, channel)
        } catch (error) {
          report(error, channel)
        }
      })
      stops.add(stop)
      return {
        unsubscribe() {
          stop()
          stops.delete(stop)
          return Promise.resolve()
        },
      }
    })
  }

  return {
    publish: (channel, message) => run(() => bus.publish(channel, message)),
    subscribe: (channel, handler) => subscribe({ channel }, handler),
    subscribePattern: (pattern, handler) => subscribe({ pattern }, handler),
    ping: () => run(() => undefined),
    close() {
      closed = true
      for (const stop of stops) stop()
      stops.clear()
      return Promise.resolve()
    },
  }
}
