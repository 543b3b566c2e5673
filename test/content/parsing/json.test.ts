import { describe, expect, it } from 'vitest'
import { parse, parseFailure, types } from './support.js'

describe('JSON parsing', () => {
  it('turns an array of objects into rows over the union of keys, in first-seen order', async () => {
    const json = JSON.stringify([
      { id: 1, name: 'Ada', tags: ['x'] },
      { id: 2, city: 'Paris', name: 'Bo', tags: { a: 1 } },
      { id: 3.5, active: true, '': 'blank key' },
    ])
    const { outcome, tables } = await parse(json, { fileName: 'people.json' })
    expect(tables[0]?.columns).toEqual(['id', 'name', 'tags', 'city', 'active', 'column_6'])
    expect(tables[0]?.rows).toEqual([
      [1, 'Ada', ['x'], null, null, null],
      [2, 'Bo', { a: 1 }, 'Paris', null, null],
      [3.5, null, null, null, true, 'blank key'],
    ])
    expect(tables[0]?.result?.columns[2]).toEqual({
      name: 'tags',
      type: 'string',
      nullable: true,
      nested: true,
    })
    expect(types(tables[0])).toMatchObject({
      id: 'number',
      name: 'string',
      city: 'string',
      active: 'boolean',
    })
    expect(outcome.kind).toBe('table')
  })

  it('stringifies scalars in a mixed column and keeps ISO dates as dates', async () => {
    const json = '[{"v": 1, "d": "2024-01-01"}, {"v": "two", "d": "2024-01-02T03:04:05Z"}, {"v": false}]'
    const { tables } = await parse(json, { fileName: 'm.json' })
    expect(tables[0]?.rows).toEqual([
      ['1', '2024-01-01'],
      ['two', '2024-01-02T03:04:05Z'],
      ['false', null],
    ])
    expect(types(tables[0])).toEqual({ v: 'string', d: 'datetime' })
  })

  it('accepts an array of scalars, an object holding one array, and a single object', async () => {
    expect((await parse('[1, 2, 3]', { fileName: 'a.json' })).tables[0]?.rows).toEqual([[1], [2], [3]])
    const wrapped = await parse('{"count": 2, "items": [{"a": 1}, {"a": 2}]}', { fileName: 'w.json' })
    expect(wrapped.tables[0]?.rows).toEqual([[1], [2]])
    const single = await parse('{"a": 1, "b": "x"}', { fileName: 's.json' })
    expect(single.tables[0]?.rows).toEqual([[1, 'x']])
  })

  it('reports malformed JSON with line and column, also where V8 gives no position', async () => {
    const trailing = await parseFailure('[\n  {"a": 1},\n  {"a": 2,}\n]', { fileName: 'bad.json' })
    expect(trailing.code).toBe('PARSE_MALFORMED_JSON')
    expect(trailing.details).toMatchObject({ line: 3, column: 11, position: 24 })
    const token = await parseFailure('[1,\n tru]', { fileName: 'bad.json' })
    expect(token.details).toMatchObject({ line: 2, column: 5 })
    const cut = await parseFailure('{"a": [1, 2', { fileName: 'bad.json' })
    expect(cut.details).toMatchObject({ line: 1, column: 12 })
  })

  it('refuses shapes that are not tables, bad UTF-8 and empty files', async () => {
    expect((await parseFailure('42', { fileName: 'n.json' })).code).toBe('PARSE_JSON_SHAPE')
    expect((await parseFailure('{"a": [1], "b": [2]}', { fileName: 'n.json' })).code).toBe('PARSE_JSON_SHAPE')
    const mixed = await parseFailure('[{"a": 1}, 2]', { fileName: 'n.json' })
    expect(mixed).toMatchObject({ code: 'PARSE_JSON_SHAPE', details: { position: 1 } })
    const bad = await parseFailure(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]), { fileName: 'u.json' })
    expect(bad).toMatchObject({ code: 'PARSE_INVALID_ENCODING', details: { position: 2 } })
    expect((await parseFailure('', { fileName: 'e.json' })).code).toBe('PARSE_EMPTY_FILE')
  })
})

describe('JSON Lines parsing', () => {
  it('streams objects into rows; blank lines are skipped and CRLF is accepted', async () => {
    const jsonl = '{"id":1,"name":"Ada"}\r\n\r\n{"id":2,"extra":{"k":true}}\n{"id":3,"name":null}'
    const { tables } = await parse(jsonl, { fileName: 'events.jsonl', chunkSize: 5, slow: true })
    expect(tables[0]?.name).toBe('events')
    expect(tables[0]?.columns).toEqual(['id', 'name', 'extra'])
    expect(tables[0]?.rows).toEqual([
      [1, 'Ada', null],
      [2, null, { k: true }],
      [3, null, null],
    ])
    expect(types(tables[0])).toEqual({ id: 'integer', name: 'string', extra: 'string' })
  })

  it('widens a column after the sample and refuses a key first seen after it, with its line', async () => {
    const widened = await parse('{"v":1}\n{"v":2}\n{"v":"x"}\n{"v":3}\n', {
      fileName: 'w.jsonl',
      options: { typeSampleRows: 1 },
    })
    expect(widened.tables[0]?.rows).toEqual([[1], [2], ['x'], ['3']])
    expect(widened.tables[0]?.result?.columns[0]).toMatchObject({ type: 'string', widenedAtRow: 2 })
    const late = await parseFailure('{"a":1}\n{"a":2}\n\n{"b":3}\n', {
      fileName: 'l.jsonl',
      options: { typeSampleRows: 1 },
    })
    expect(late).toMatchObject({ code: 'PARSE_MALFORMED_JSONL', details: { line: 4 } })
  })

  it('reports a malformed line with its number and column', async () => {
    const error = await parseFailure('{"a":1}\n{"a":2}\n{"a":,}\n', { fileName: 'm.jsonl', chunkSize: 4 })
    expect(error.code).toBe('PARSE_MALFORMED_JSONL')
    expect(error.details).toMatchObject({ line: 3, column: 6 })
    const mixed = await parseFailure('{"a":1}\n[1]\n', { fileName: 'm.jsonl' })
    expect(mixed).toMatchObject({ code: 'PARSE_MALFORMED_JSONL', details: { line: 2 } })
  })

  it('bounds the line length', async () => {
    const error = await parseFailure(`{"a":"${'x'.repeat(3000)}"}\n`, {
      fileName: 'big.jsonl',
      chunkSize: 512,
      options: { maxRecordBytes: 1000 },
    })
    expect(error).toMatchObject({ code: 'PARSE_TOO_LARGE', details: { line: 1 } })
  })
})
