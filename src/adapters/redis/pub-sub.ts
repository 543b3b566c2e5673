import type { PubSub, Subscription } from '../../ports/pub-sub.js'
import { openRedisConnection } from './connection.js'
import { createTopicRegistry } from './topic-registry.js'

/**
 * PubSub on Redis PUBLISH/SUBSCRIBE/PSUBSCRIBE. Publishing and subscribing use separate connections, since a
 * subscribed connection is reserved for pub/sub. `channelPrefix` is prepended to every channel and pattern (escaped
 * in patterns, so it only ever matches itself) and stripped from the channel handlers receive. After a reconnect
 * ioredis subscribes again; messages published while disconnected are lost, as the port allows.
 * `onHandlerError` hears about handlers that throw (default: ignored); the other handlers run regardless.
 */
export function createRedisPubSub(options: {
  url: string
  channelPrefix?: string
  onHandlerError?: (error: unknown, channel: string) => void
}): PubSub {
  const prefix = options.channelPrefix ?? ''
  const patternPrefix = prefix.replace(/[*?[\]\\]/g, '\\$&')
  const publisher = openRedisConnection(options.url, 'pub')
  const subscriber = openRedisConnection(options.url, 'sub')
  const onHandlerError = (error: unknown, channel: string): void => {
    try {
      options.onHandlerError?.(error, channel)
    } catch {
      // A failing reporter must not escape into ioredis's event emitter, which would rethrow it as uncaught.
    }
  }
  const channels = createTopicRegistry({
    subscribe: (channel) => subscriber.call((redis) => redis.subscribe(channel)),
    unsubscribe: (channel) => subscriber.call((redis) => redis.unsubscribe(channel)),
    onHandlerError,
  })
  const patterns = createTopicRegistry({
    subscribe: (pattern) => subscriber.call((redis) => redis.psubscribe(pattern)),
    unsubscribe: (pattern) => subscriber.call((redis) => redis.punsubscribe(pattern)),
    onHandlerError,
  })
  const unprefixed = (channel: string): string => channel.slice(prefix.length)

  subscriber.client.on('message', (channel: string, message: string) => {
    channels.dispatch(channel, message, unprefixed(channel))
  })
  subscriber.client.on('pmessage', (pattern: string, channel: string, message: string) => {
    patterns.dispatch(pattern, message, unprefixed(channel))
  })

  return {
    async publish(channel, message) {
      await publisher.call((redis) => redis.publish(prefix + channel, message))
    },
    async subscribe(channel, handler): Promise<Subscription> {
      return { unsubscribe: await channels.add(prefix + channel, handler) }
    },
    async subscribePattern(pattern, handler): Promise<Subscription> {
      return { unsubscribe: await patterns.add(patternPrefix + pattern, handler) }
    },
    async ping() {
      await Promise.all([publisher.call((redis) => redis.ping()), subscriber.call((redis) => redis.ping())])
    },
    async close() {
      channels.clear()
      patterns.clear()
      await Promise.all([publisher.close(), subscriber.close()])
    },
  }
}
