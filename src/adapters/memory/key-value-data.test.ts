import { describe, expect, it } from 'vitest'
import { createKeyValueData } from './key-value-data.js'

describe('createKeyValueData', () => {
  it('reclaims expired entries that nobody reads again', () => {
    let now = 0
    const data = createKeyValueData(() => now)
    for (let i = 0; i < 1000; i++) data.set(`k${i}`, 'v', 10)
    data.zadd('log', 1, 'm')
    data.pexpire('log', 10)
    data.set('lasting', 'v')
    now = 100
    for (let i = 0; i < 300; i++) data.get('lasting')
    expect(data.size()).toBe(1)
  })

  it('refuses operations on a key of the other type, as Redis does', () => {
    const data = createKeyValueData(() => 0)
    data.set('text', 'v')
    data.zadd('set', 1, 'm')
    expect(() => data.get('set')).toThrow(/^WRONGTYPE/)
    expect(() => data.incrBy('set', 1)).toThrow(/^WRONGTYPE/)
    expect(() => data.zadd('text', 1, 'm')).toThrow(/^WRONGTYPE/)
    expect(() => data.zcard('text')).toThrow(/^WRONGTYPE/)
    data.set('set', 'now a string')
    expect(data.get('set')).toBe('now a string')
  })

  it('keeps the expiry through incrBy and zadd, and pexpire with 0 deletes', () => {
    let now = 0
    const data = createKeyValueData(() => now)
    data.set('n', '1', 100)
    data.incrBy('n', 1)
    data.zadd('z', 1, 'a')
    data.pexpire('z', 100)
    data.zadd('z', 2, 'b')
    now = 40
    expect([data.pttl('n'), data.pttl('z')]).toEqual([60, 60])
    expect(data.pexpire('n', 0)).toBe(true)
    expect(data.pttl('n')).toBe(-2)
  })

  it('fails an increment that would leave the safe integer range', () => {
    const data = createKeyValueData(() => 0)
    data.set('big', String(Number.MAX_SAFE_INTEGER))
    expect(() => data.incrBy('big', 1)).toThrow(/overflow/)
    expect(data.get('big')).toBe(String(Number.MAX_SAFE_INTEGER))
  })

  it('orders sorted-set ties by member bytes', () => {
    const data = createKeyValueData(() => 0)
    for (const member of ['b', 'a', '\u{1F600}', '\uFFFD', 'B']) data.zadd('z', 1, member)
    expect(data.zrangeWithScores('z', 0, -1).map(([member]) => member)).toEqual([
      'B',
      'a',
      'b',
      '\uFFFD',
      '\u{1F600}',
    ])
  })

  it('reads the time once for a whole atOneTime operation, as a Redis script sees it', () => {
    let now = 0
    const data = createKeyValueData(() => now++)
    data.set('short', 'v', 3) // set at 0, expires at 3
    const seen = data.atOneTime(() => {
      const times = [data.now(), data.now(), data.pttl('short')]
      const value = [data.get('short'), data.get('short'), data.get('short'), data.get('short')]
      return { times, value, nested: data.atOneTime(() => data.now()) }
    })
    expect(seen).toEqual({ times: [1, 1, 2], value: ['v', 'v', 'v', 'v'], nested: 1 })
    expect(data.now()).toBe(2)
    expect(data.get('short')).toBeNull()
  })
})
