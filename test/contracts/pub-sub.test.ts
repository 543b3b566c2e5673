import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryBus, createMemoryPubSub } from '../../src/adapters/memory/pub-sub.js'
import { createRedisPubSub } from '../../src/adapters/redis/pub-sub.js'
import { realRedisUrl, uniqueName } from '../support/real-servers.js'
import { waitFor } from './contract-tests.js'
import { describePubSubContract } from './pub-sub.contract.js'

const bus = createMemoryBus()
describePubSubContract({ name: 'memory', create: () => Promise.resolve(createMemoryPubSub({ bus })) })

describe('memory adapter', () => {
  it('keeps instances on different buses apart', async () => {
    const [a, b] = [createMemoryPubSub(), createMemoryPubSub()]
    const heard: string[] = []
    await a.subscribe('c', (message) => heard.push(`a:${message}`))
    await b.subscribe('c', (message) => heard.push(`b:${message}`))
    await a.publish('c', '1')
    await waitFor(() => heard.length > 0, 'the message')
    await b.publish('c', '2')
    await waitFor(() => heard.length > 1, 'the message')
    expect(heard).toEqual(['a:1', 'b:2'])
    await Promise.all([a.close(), b.close()])
  })

  it('reports a throwing handler to onHandlerError', async () => {
    const reported: Array<[unknown, string]> = []
    const pubSub = createMemoryPubSub({ onHandlerError: (error, channel) => reported.push([error, channel]) })
    const failure = new Error('boom')
    await pubSub.subscribe('c', () => {
      throw failure
    })
    await pubSub.publish('c', 'm')
    await waitFor(() => reported.length > 0, 'the report')
    expect(reported).toEqual([[failure, 'c']])
    await pubSub.close()
  })
})

describe.skipIf(!realRedisUrl)('redis', () => {
  const url = realRedisUrl!
  const channelPrefix = `${uniqueName('ps')}:`
  let admin: Redis

  beforeAll(() => {
    admin = new Redis(url)
  })
  afterAll(async () => {
    await admin.quit()
  })

  describePubSubContract({
    name: 'redis',
    create: () => Promise.resolve(createRedisPubSub({ url, channelPrefix })),
  })

  describe('redis adapter', () => {
    const numsub = async (channel: string) => ((await admin.pubsub('NUMSUB', channel)) as [string, number])[1]

    it('shares one Redis subscription between the handlers of a channel and drops it with the last', async () => {
      const pubSub = createRedisPubSub({ url, channelPrefix })
      try {
        const first = await pubSub.subscribe('shared', () => undefined)
        const second = await pubSub.subscribe('shared', () => undefined)
        expect(await numsub(`${channelPrefix}shared`)).toBe(1)
        await first.unsubscribe()
        expect(await numsub(`${channelPrefix}shared`)).toBe(1)
        await second.unsubscribe()
        expect(await numsub(`${channelPrefix}shared`)).toBe(0)
      } finally {
        await pubSub.close()
      }
    })

    it('prefixes channels in Redis and gives handlers the channel without the prefix', async () => {
      const pubSub = createRedisPubSub({ url, channelPrefix })
      const listener = admin.duplicate()
      try {
        const heard: string[] = []
        await pubSub.subscribe('raw', (message, channel) => heard.push(`${channel}:${message}`))
        await pubSub.subscribePattern('ra?', (message, channel) =>
          heard.push(`pattern ${channel}:${message}`),
        )
        await admin.publish(`${channelPrefix}raw`, 'in')
        await waitFor(() => heard.length === 2, 'both deliveries')
        expect(heard).toEqual(['raw:in', 'pattern raw:in'])

        const rawHeard: string[] = []
        listener.on('message', (channel: string, message: string) => rawHeard.push(`${channel}:${message}`))
        await listener.subscribe(`${channelPrefix}out`)
        await pubSub.publish('out', 'm')
        await waitFor(() => rawHeard.length === 1, 'the raw delivery')
        expect(rawHeard).toEqual([`${channelPrefix}out:m`])
      } finally {
        listener.disconnect()
        await pubSub.close()
      }
    })

    it('escapes glob characters of the prefix in patterns', async () => {
      const base = uniqueName('glob')
      const pubSub = createRedisPubSub({ url, channelPrefix: `${base}[x]*:` })
      try {
        const heard: string[] = []
        await pubSub.subscribePattern('*', (_message, channel) => heard.push(channel))
        await admin.publish(`${base}xyz:look-alike`, 'm')
        await admin.publish(`${base}[x]*:exact`, 'm')
        await waitFor(() => heard.length > 0, 'the exact delivery')
        expect(heard).toEqual(['exact'])
      } finally {
        await pubSub.close()
      }
    })

    it('fails with STORAGE_UNAVAILABLE when the server cannot be reached', async () => {
      const pubSub = createRedisPubSub({ url: 'redis://127.0.0.1:1' })
      try {
        await expect(pubSub.publish('c', 'm')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
        await expect(pubSub.subscribe('c', () => undefined)).rejects.toMatchObject({
          code: 'STORAGE_UNAVAILABLE',
        })
      } finally {
        await pubSub.close()
      }
    })
  })
})
