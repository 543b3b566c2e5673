import { afterEach, describe, expect } from 'vitest'
import type { MessageHandler, PubSub } from '../../src/ports/pub-sub.js'
import { createContractTests, waitFor, type ContractSkip } from './contract-tests.js'

/**
 * The PubSub contract (src/ports/pub-sub.ts), run against every adapter. Every `create` call must give an instance
 * on the same bus, as two nodes share one Redis. A test that expects no delivery publishes a marker afterwards on a
 * subscribed channel and waits for it: one publisher's messages arrive in order, so anything due has arrived by then.
 */
export function describePubSubContract(options: {
  name: string
  create: () => Promise<PubSub>
  skip?: ContractSkip[]
}): void {
  describe(`PubSub contract: ${options.name}`, () => {
    const { test, checkSkips } = createContractTests(options.skip)
    const opened: PubSub[] = []

    async function open(): Promise<PubSub> {
      const pubSub = await options.create()
      opened.push(pubSub)
      return pubSub
    }

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((pubSub) => pubSub.close()))
    })

    function collector(): { handler: MessageHandler; received: Array<[message: string, channel: string]> } {
      const received: Array<[string, string]> = []
      return { handler: (message, channel) => received.push([message, channel]), received }
    }

    /** Subscribes a marker channel; `flush()` publishes on it and waits until it comes back. */
    async function marker(pubSub: PubSub): Promise<{ flush: () => Promise<void> }> {
      const marks = collector()
      await pubSub.subscribe('contract.marker', marks.handler)
      return {
        async flush() {
          const expected = marks.received.length + 1
          await pubSub.publish('contract.marker', 'mark')
          await waitFor(() => marks.received.length >= expected, 'the marker message')
        },
      }
    }

    describe('channels', () => {
      test('a subscriber receives messages on its channel with the channel name', async () => {
        const pubSub = await open()
        const inbox = collector()
        await pubSub.subscribe('greetings', inbox.handler)
        await pubSub.publish('greetings', 'hello')
        await pubSub.publish('greetings', '')
        await waitFor(() => inbox.received.length === 2, 'two messages')
        expect(inbox.received).toEqual([
          ['hello', 'greetings'],
          ['', 'greetings'],
        ])
      })

      test('a subscriber receives nothing from other channels', async () => {
        const pubSub = await open()
        const { flush } = await marker(pubSub)
        const inbox = collector()
        await pubSub.subscribe('alpha', inbox.handler)
        for (const channel of ['alpha.x', 'alph', 'ALPHA', 'alpha ', 'beta']) {
          await pubSub.publish(channel, 'm')
        }
        await flush()
        expect(inbox.received).toEqual([])
      })

      test('a subscription does not receive messages published before it existed', async () => {
        const pubSub = await open()
        const inbox = collector()
        await pubSub.publish('history', 'old')
        await pubSub.subscribe('history', inbox.handler)
        await pubSub.publish('history', 'new')
        await waitFor(() => inbox.received.length > 0, 'the new message')
        const { flush } = await marker(pubSub)
        await flush()
        expect(inbox.received).toEqual([['new', 'history']])
      })

      test('messages on one channel arrive in publish order (500 messages)', async () => {
        const pubSub = await open()
        const inbox = collector()
        await pubSub.subscribe('ordered', inbox.handler)
        const sent = Array.from({ length: 500 }, (_, i) => `message ${i}`)
        await Promise.all(sent.map((message) => pubSub.publish('ordered', message)))
        await waitFor(() => inbox.received.length === sent.length, '500 messages')
        expect(inbox.received.map(([message]) => message)).toEqual(sent)
      })

      test('every subscriber of a channel receives each message', async () => {
        const pubSub = await open()
        const inboxes = [collector(), collector(), collector()]
        for (const inbox of inboxes) await pubSub.subscribe('fanout', inbox.handler)
        await pubSub.publish('fanout', 'to all')
        await waitFor(() => inboxes.every((inbox) => inbox.received.length === 1), 'every subscriber')
        for (const inbox of inboxes) expect(inbox.received).toEqual([['to all', 'fanout']])
      })

      test('each subscription is independent, even with the same handler', async () => {
        const pubSub = await open()
        const inbox = collector()
        const first = await pubSub.subscribe('twice', inbox.handler)
        await pubSub.subscribe('twice', inbox.handler)
        await pubSub.publish('twice', 'a')
        await waitFor(() => inbox.received.length === 2, 'two deliveries')
        await first.unsubscribe()
        await pubSub.publish('twice', 'b')
        await waitFor(() => inbox.received.length === 3, 'one more delivery')
        const { flush } = await marker(pubSub)
        await flush()
        expect(inbox.received.map(([message]) => message)).toEqual(['a', 'a', 'b'])
      })
    })

    describe('patterns', () => {
      async function matched(patterns: string[], channels: string[]): Promise<string[]> {
        const pubSub = await open()
        const { flush } = await marker(pubSub)
        const pairs: string[] = []
        for (const pattern of patterns) {
          await pubSub.subscribePattern(pattern, (message, channel) =>
            pairs.push(`${pattern} ${channel} ${message}`),
          )
        }
        for (const channel of channels) await pubSub.publish(channel, 'm')
        await flush()
        return pairs.filter((pair) => !pair.includes('contract.marker')).sort()
      }

      test('* matches any run of characters, and the handler gets the channel', async () => {
        const pairs = await matched(['news.*'], ['news.sport', 'news.', 'news.a.b', 'news', 'weather.news.x'])
        expect(pairs).toEqual(['news.* news. m', 'news.* news.a.b m', 'news.* news.sport m'])
      })

      test('? matches exactly one character', async () => {
        const pairs = await matched(['room.?'], ['room.1', 'room.a', 'room.12', 'room.', 'room1'])
        expect(pairs).toEqual(['room.? room.1 m', 'room.? room.a m'])
      })

      test('[ab] matches one character of the set', async () => {
        const pairs = await matched(['log.[ab]'], ['log.a', 'log.b', 'log.c', 'log.ab', 'log.'])
        expect(pairs).toEqual(['log.[ab] log.a m', 'log.[ab] log.b m'])
      })

      test('patterns follow Redis glob rules for negation, ranges and escapes', async () => {
        const patterns = ['h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h\\*llo', 'h[!e]llo']
        const channels = ['hello', 'hallo', 'hbllo', 'hxllo', 'h*llo', 'heeello', 'h!llo', 'hllo']
        const expected: Record<string, string[]> = {
          'h?llo': ['hello', 'hallo', 'hbllo', 'hxllo', 'h*llo', 'h!llo'],
          'h*llo': channels,
          'h[ae]llo': ['hello', 'hallo'],
          'h[^e]llo': ['hallo', 'hbllo', 'hxllo', 'h*llo', 'h!llo'],
          'h[a-b]llo': ['hallo', 'hbllo'],
          'h\\*llo': ['h*llo'],
          // Redis negates a class with ^ only; ! is an ordinary member.
          'h[!e]llo': ['hello', 'h!llo'],
        }
        const pairs = Object.entries(expected).flatMap(([pattern, hits]) =>
          hits.map((c) => `${pattern} ${c} m`),
        )
        expect(await matched(patterns, channels)).toEqual(pairs.sort())
      })

      test('a message matching a channel and a pattern subscription reaches both', async () => {
        const pubSub = await open()
        const inbox = collector()
        await pubSub.subscribe('both.here', inbox.handler)
        await pubSub.subscribePattern('both.*', inbox.handler)
        await pubSub.publish('both.here', 'm')
        await waitFor(() => inbox.received.length === 2, 'two deliveries')
        expect(inbox.received).toEqual([
          ['m', 'both.here'],
          ['m', 'both.here'],
        ])
      })
    })

    describe('unsubscribing', () => {
      test('unsubscribe stops delivery to that handler only', async () => {
        const pubSub = await open()
        const leaving = collector()
        const staying = collector()
        const subscription = await pubSub.subscribe('room', leaving.handler)
        await pubSub.subscribe('room', staying.handler)
        await subscription.unsubscribe()
        await pubSub.publish('room', 'after')
        await waitFor(() => staying.received.length === 1, 'the remaining subscriber')
        expect(leaving.received).toEqual([])
      })

      test('unsubscribing the last handler of a channel stops delivery, and may be repeated', async () => {
        const pubSub = await open()
        const { flush } = await marker(pubSub)
        const inbox = collector()
        const subscription = await pubSub.subscribe('quiet', inbox.handler)
        await subscription.unsubscribe()
        await subscription.unsubscribe()
        await pubSub.publish('quiet', 'unheard')
        await flush()
        expect(inbox.received).toEqual([])
      })

      test('unsubscribing a pattern subscription stops delivery', async () => {
        const pubSub = await open()
        const { flush } = await marker(pubSub)
        const inbox = collector()
        const subscription = await pubSub.subscribePattern('quiet.*', inbox.handler)
        await subscription.unsubscribe()
        await pubSub.publish('quiet.x', 'unheard')
        await flush()
        expect(inbox.received).toEqual([])
      })

      test('unsubscribing and subscribing at the same time leaves the new subscription working', async () => {
        const pubSub = await open()
        const old = collector()
        const fresh = collector()
        const subscription = await pubSub.subscribe('flip', old.handler)
        await Promise.all([subscription.unsubscribe(), pubSub.subscribe('flip', fresh.handler)])
        await pubSub.publish('flip', 'm')
        await waitFor(() => fresh.received.length === 1, 'the new subscriber')
        expect(old.received).toEqual([])
      })

      test('subscribing again after unsubscribing delivers again', async () => {
        const pubSub = await open()
        const inbox = collector()
        await (await pubSub.subscribe('again', inbox.handler)).unsubscribe()
        await pubSub.subscribe('again', inbox.handler)
        await pubSub.publish('again', 'back')
        await waitFor(() => inbox.received.length === 1, 'the message')
        expect(inbox.received).toEqual([['back', 'again']])
      })
    })

    describe('handlers', () => {
      test('a throwing handler does not stop other handlers or later messages', async () => {
        const pubSub = await open()
        let thrown = 0
        const inbox = collector()
        await pubSub.subscribe('fragile', () => {
          thrown++
          throw new Error('handler failure')
        })
        await pubSub.subscribe('fragile', inbox.handler)
        await pubSub.subscribePattern('fragile*', () => {
          throw new Error('pattern handler failure')
        })
        await pubSub.publish('fragile', 'one')
        await pubSub.publish('fragile', 'two')
        await waitFor(() => inbox.received.length === 2, 'both messages')
        expect(thrown).toBe(2)
        expect(inbox.received.map(([message]) => message)).toEqual(['one', 'two'])
      })

      test('handlers are never called inside publish', async () => {
        const pubSub = await open()
        let publishing = false
        const calledDuringPublish: boolean[] = []
        await pubSub.subscribe('async', () => calledDuringPublish.push(publishing))
        await pubSub.subscribePattern('asy*', () => calledDuringPublish.push(publishing))
        publishing = true
        const published = pubSub.publish('async', 'm')
        publishing = false
        await published
        await waitFor(() => calledDuringPublish.length === 2, 'both deliveries')
        expect(calledDuringPublish).toEqual([false, false])
      })
    })

    describe('instances', () => {
      test("two instances on the same bus see each other's messages", async () => {
        const [nodeA, nodeB] = [await open(), await open()]
        const inboxA = collector()
        const inboxB = collector()
        await nodeA.subscribe('to-a', inboxA.handler)
        await nodeB.subscribePattern('to-*', inboxB.handler)
        await nodeB.publish('to-a', 'from b')
        await nodeA.publish('to-b', 'from a')
        await waitFor(() => inboxA.received.length === 1 && inboxB.received.length === 2, 'cross deliveries')
        expect(inboxA.received).toEqual([['from b', 'to-a']])
        expect(inboxB.received.sort()).toEqual([
          ['from a', 'to-b'],
          ['from b', 'to-a'],
        ])
      })

      test('ping resolves on an open instance', async () => {
        const pubSub = await open()
        await expect(pubSub.ping()).resolves.toBeUndefined()
      })

      test('a closed instance hears nothing more and fails with STORAGE_UNAVAILABLE', async () => {
        const [closing, other] = [await open(), await open()]
        const { flush } = await marker(other)
        const inbox = collector()
        await closing.subscribe('after-close', inbox.handler)
        await closing.close()
        await other.publish('after-close', 'unheard')
        await flush()
        expect(inbox.received).toEqual([])
        const unavailable = { code: 'STORAGE_UNAVAILABLE' }
        await expect(closing.publish('after-close', 'm')).rejects.toMatchObject(unavailable)
        await expect(closing.subscribe('after-close', inbox.handler)).rejects.toMatchObject(unavailable)
        await expect(closing.subscribePattern('after-*', inbox.handler)).rejects.toMatchObject(unavailable)
        await expect(closing.ping()).rejects.toMatchObject(unavailable)
        await expect(closing.close()).resolves.toBeUndefined()
      })
    })

    checkSkips()
  })
}
