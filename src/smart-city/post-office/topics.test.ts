import { describe, expect, it } from 'vitest'
import { checkPattern, matchesPattern } from './topics.js'

describe('topic patterns', () => {
  const table: [pattern: string, type: string, matches: boolean][] = [
    ['journey.started', 'journey.started', true],
    ['journey.started', 'journey.start', false],
    ['journey.*', 'journey.started', true],
    ['journey.*', 'journey', false],
    ['journey.*', 'journey.step.done', false],
    ['*.started', 'journey.started', true],
    ['*.*', 'a.b', true],
    ['*', 'journey', true],
    ['*', 'journey.started', false],
    ['journey.#', 'journey', true],
    ['journey.#', 'journey.started', true],
    ['journey.#', 'journey.step.done', true],
    ['journey.#', 'journeys.started', false],
    ['#', 'anything.at.all', true],
    ['journey.*.done', 'journey.step.done', true],
    ['journey.*.done', 'journey.step.failed', false],
    ['Journey.*', 'journey.started', false],
  ]
  it.each(table)('%s against %s → %s', (pattern, type, matches) => {
    expect(checkPattern(pattern)).toBe(pattern)
    expect(matchesPattern(pattern, type)).toBe(matches)
  })

  it.each(['', 'a..b', 'a.#.b', '#.a', 'a.b*', 'a b', 'a.**'])('refuses the pattern %j', (pattern) => {
    expect(() => checkPattern(pattern)).toThrow(expect.objectContaining({ code: 'PATTERN_INVALID' }))
  })
})
