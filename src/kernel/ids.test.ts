import { describe, expect, it } from 'vitest'
import {
  createRandomIdGenerator,
  createSequentialIdGenerator,
  createTimeOrderedIdGenerator,
  encodeBase32,
  isWellFormedId,
} from './ids.js'

describe('id generators', () => {
  it('random ids are prefixed, 128-bit, and do not repeat', () => {
    const ids = createRandomIdGenerator()
    const seen = new Set(Array.from({ length: 10_000 }, () => ids.next('usr')))
    expect(seen.size).toBe(10_000)
    for (const id of [...seen].slice(0, 50)) {
      expect(id).toMatch(/^usr_[0-9a-hjkmnp-tv-z]{26}$/)
      expect(isWellFormedId(id, 'usr')).toBe(true)
      expect(isWellFormedId(id, 'ses')).toBe(false)
    }
  })

  it('sequential ids are deterministic and well formed', () => {
    const ids = createSequentialIdGenerator()
    expect(ids.next('run')).toBe('run_00000000000000000000000001')
    expect(isWellFormedId(ids.next('run'), 'run')).toBe(true)
  })

  it('rejects prefixes that would make ids ambiguous', () => {
    const ids = createRandomIdGenerator()
    for (const bad of ['', 'U', 'a', 'has_underscore', 'toolongprefixx'])
      expect(() => ids.next(bad)).toThrow(RangeError)
  })

  it('encodes base32 without padding', () => {
    expect(encodeBase32(new Uint8Array([0xff]))).toBe('zw')
    expect(encodeBase32(new Uint8Array(16)).length).toBe(26)
  })

  it('time-ordered ids sort in creation order, also within one millisecond and if the clock steps back', () => {
    let now = 1_795_000_000_000
    const ids = createTimeOrderedIdGenerator(() => now)
    const made: string[] = []
    for (let i = 0; i < 500; i++) made.push(ids.next('aud'))
    now += 1
    made.push(ids.next('aud'))
    now -= 5
    made.push(ids.next('aud'))
    expect([...made].sort()).toEqual(made)
    expect(new Set(made).size).toBe(made.length)
    expect(made.every((id) => isWellFormedId(id, 'aud'))).toBe(true)
  })
})
