import { describe, expect, it } from 'vitest'
import { compileGlob } from './glob.js'

const channels = [
  ...['a', 'b', 'c', 'd', 'e', '-', ']', 'x', 'xa', 'x]', 'a\\', 'ab', 'abc', 'é', 'y', '\\', 'abc]'],
  ...['x-', 'xb', 'a-', 'ab\\', 'ac', 'aXb', 'ax', '[', ''],
]

// Recorded from Redis 7.0 by PSUBSCRIBE-ing each pattern and PUBLISH-ing each channel.
const matchedByRedis: Record<string, string[]> = {
  '[abc': ['a', 'b', 'c'],
  'a\\': ['a\\'],
  '[^': ['a', 'b', 'c', 'd', 'e', '-', ']', 'x', 'y', '\\', '['],
  '[': [],
  '[]abc]': [],
  '[^]x': ['ax'],
  '[a-]': ['a', ']'],
  'x[a-]': ['xa', 'x]'],
  '[z-a]': ['a', 'b', 'c', 'd', 'e', 'x', 'y'],
  '[\\]]': [']'],
  '?': ['a', 'b', 'c', 'd', 'e', '-', ']', 'x', 'y', '\\', '['],
  '??': ['xa', 'x]', 'a\\', 'ab', 'é', 'x-', 'xb', 'a-', 'ac', 'ax'],
  é: ['é'],
  '*': channels.filter((channel) => channel !== ''),
  '': [''],
  'a[b\\': ['a\\', 'ab'],
  '[a\\-c]': ['a', 'c', '-'],
  'a**b': ['ab', 'aXb'],
  '[-a]': ['a', '-'],
  '[a-c-e]': ['a', 'b', 'c', 'e', '-'],
}

describe('compileGlob', () => {
  for (const [pattern, expected] of Object.entries(matchedByRedis)) {
    it(`matches what Redis matches for ${JSON.stringify(pattern)}`, () => {
      const matches = compileGlob(pattern)
      expect(channels.filter((channel) => matches(channel)).sort()).toEqual([...expected].sort())
    })
  }

  it('treats regular-expression characters literally', () => {
    const matches = compileGlob('a.b+(c)|$^')
    expect(matches('a.b+(c)|$^')).toBe(true)
    expect(matches('axb+(c)|$^')).toBe(false)
  })

  it('does not treat ! as negation, as Redis does not', () => {
    const matches = compileGlob('h[!e]llo')
    expect(['hello', 'hallo', 'h!llo'].filter((channel) => matches(channel))).toEqual(['hello', 'h!llo'])
  })

  it('handles many stars against a long subject (no exponential backtracking)', () => {
    const matches = compileGlob(`${'a*'.repeat(40)}b`)
    expect(matches('a'.repeat(5000))).toBe(false)
    expect(matches(`${'a'.repeat(5000)}b`)).toBe(true)
  })
})
