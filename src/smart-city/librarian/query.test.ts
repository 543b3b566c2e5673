import { describe, expect, it } from 'vitest'
import { analyze, terms } from './analyzer.js'
import { highlight } from './highlight.js'
import { parseQuery, toFts5Match, toTsquery } from './query.js'
import { stem } from './stemmer.js'

describe('analyzer', () => {
  it('normalises (NFKC, lower case), splits on non-letters, drops stop words and stems', () => {
    expect(terms('The ＦＵＬＬ-width Café of Documents, running!')).toEqual([
      'full',
      'width',
      'café',
      'document',
      'run',
    ])
    expect(terms('cafe\u0301')).toEqual(['café'])
    expect(terms('東京 x200 ½')).toEqual(['東京', 'x200', '1', '2'])
  })

  it('keeps the offsets of the source words', () => {
    expect(analyze('Hello, e-mail')).toEqual([
      { term: 'hello', start: 0, end: 5 },
      { term: 'e', start: 7, end: 8 },
      { term: 'mail', start: 9, end: 13 },
    ])
  })

  it.each([
    ['documents', 'document'],
    ['studies', 'study'],
    ['boxes', 'box'],
    ['classes', 'class'],
    ['stopped', 'stop'],
    ['walking', 'walk'],
    ['quickly', 'quick'],
    ['bus', 'bus'],
    ['sing', 'sing'],
    ['red', 'red'],
  ])('stems %s to %s', (word, expected) => {
    expect(stem(word)).toBe(expected)
  })
})

describe('query language', () => {
  it('compiles words, phrases, OR and exclusions into quoted engine syntax only', () => {
    const query = parseQuery('solar "roof panels" OR tiles -"lead acid" -cheap')
    expect(query.terms).toEqual(['solar', 'roof', 'panel', 'tile'])
    expect(toFts5Match(query)).toBe(
      '((("solar")) AND (("roof_panel") OR ("tile"))) NOT (("lead_acid") OR ("cheap"))',
    )
    expect(toTsquery(query)).toBe(
      "((('solar')) & (('roof_panel') | ('tile'))) & !(('lead_acid') | ('cheap'))",
    )
  })

  it('treats engine operators typed by users as words', () => {
    const query = parseQuery('NEAR(a* b) AND col:x ^y')
    expect(query.terms).toEqual(['near', 'b', 'col', 'x', 'y'])
    expect(toFts5Match(query)).not.toMatch(/\*|\^|:/)
  })
})

describe('highlights', () => {
  it('marks matched words, escapes the rest and cuts long bodies around the best passage', () => {
    const body = `${'filler '.repeat(50)}the solar panel ${'filler '.repeat(50)}`
    const result = highlight('A <b>solar</b> plan', body, ['solar', 'panel'])
    expect(result.title).toBe('A &lt;b&gt;<mark>solar</mark>&lt;/b&gt; plan')
    expect(result.body.startsWith('…')).toBe(true)
    expect(result.body.endsWith('…')).toBe(true)
    expect(result.body).toContain('<mark>solar</mark> <mark>panel</mark>')
  })
})
