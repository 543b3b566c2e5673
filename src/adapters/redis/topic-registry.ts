import type { MessageHandler } from '../../ports/pub-sub.js'

/**
 * The handlers of one kind of subscription (channels or patterns) on one subscriber connection. All handlers of a
 * topic share one Redis subscription: the first handler's `add` sends SUBSCRIBE and resolves on its acknowledgement,
 * removing the last handler sends UNSUBSCRIBE. Redis commands for a topic run one after another, so a quick
 * subscribe/unsubscribe/subscribe sequence leaves Redis in the state the handlers call for.
 */
export interface TopicRegistry {
  add(topic: string, handler: MessageHandler): Promise<() => Promise<void>>
  /** Calls each handler of the topic; a throwing handler is reported and does not stop the others. */
  dispatch(topic: string, message: string, channel: string): void
  /** Forgets every handler without touching Redis; their unsubscribe functions become no-ops. */
  clear(): void
}

interface Topic {
  handlers: Set<{ handler: MessageHandler }>
  subscribed: boolean
  queue: Promise<void>
}

export function createTopicRegistry(options: {
  subscribe: (topic: string) => Promise<unknown>
  unsubscribe: (topic: string) => Promise<unknown>
  onHandlerError: (error: unknown, channel: string) => void
}): TopicRegistry {
  const topics = new Map<string, Topic>()

  function serially(topic: Topic, step: () => Promise<void>): Promise<void> {
    const done = topic.queue.then(step)
    topic.queue = done.catch(() => undefined)
    return done
  }

  function forgetIfIdle(name: string, topic: Topic): void {
    if (topic.handlers.size === 0 && !topic.subscribed && topics.get(name) === topic) topics.delete(name)
  }

  async function remove(name: string, topic: Topic, entry: { handler: MessageHandler }): Promise<void> {
    if (!topic.handlers.delete(entry)) return
    await serially(topic, async () => {
      if (topic.subscribed && topic.handlers.size === 0) {
        await options.unsubscribe(name)
        topic.subscribed = false
      }
      forgetIfIdle(name, topic)
    })
  }

  return {
    async add(name, handler) {
      let topic = topics.get(name)
      if (!topic) {
        topic = { handlers: new Set(), subscribed: false, queue: Promise.resolve() }
        topics.set(name, topic)
      }
      const entry = { handler }
      const current = topic
      current.handlers.add(entry)
      try {
        await serially(current, async () => {
          if (current.subscribed || current.handlers.size === 0) return
          await options.subscribe(name)
          current.subscribed = true
        })
      } catch (error) {
        current.handlers.delete(entry)
        forgetIfIdle(name, current)
        throw error
      }
      return () => remove(name, current, entry)
    },
    dispatch(name, message, channel) {
      const topic = topics.get(name)
      if (!topic) return
      for (const { handler } of [...topic.handlers]) {
        try {
          handler(message, channel)
        } catch (error) {
          options.onHandlerError(error, channel)
        }
      }
    },
    clear() {
      for (const topic of topics.values()) topic.handlers.clear()
      topics.clear()
    },
  }
}
