import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { parse, parseFailure, types } from './support.js'

describe('CSV and TSV parsing', () => {
  it('reads a header, casts values conservatively and reports column types', async () => {
    const csv = [
      'id,code,price,active,born,seen,note,empty',
      '1,007,10.50,true,2024-02-29,2024-02-29T10:30:00Z,hello,',
      '2,012,3,false,2023-12-31,2024-03-01T00:00,"quoted, with comma",',
      '3,,-0.25,,,,"multi',
      'line",',
    ].join('\n')
    const { outcome, tables } = await parse(csv, { fileName: 'people.csv' })
    const [table] = tables
    expect(table?.name).toBe('people')
    expect(table?.columns).toEqual(['id', 'code', 'price', 'active', 'born', 'seen', 'note', 'empty'])
    expect(table?.rows).toEqual([
      [1, '007', 10.5, true, '2024-02-29', '2024-02-29T10:30:00Z', 'hello', null],
      [2, '012', 3, false, '2023-12-31', '2024-03-01T00:00', 'quoted, with comma', null],
      [3, null, -0.25, null, null, null, 'multi\nline', null],
    ])
    expect(types(table)).toEqual({
      id: 'integer',
      code: 'string',
      price: 'number',
      active: 'boolean',
      born: 'date',
      seen: 'datetime',
      note: 'string',
      empty: 'empty',
    })
    expect(table?.result?.columns.find((c) => c.name === 'code')?.nullable).toBe(true)
    expect(table?.result?.columns.find((c) => c.name === 'id')?.nullable).toBe(false)
    expect(outcome).toEqual({ kind: 'table', tables: [{ name: 'people', ...table?.result }] })
  })

  it('keeps text that only looks like a value as text: leading zeros, exponents, invalid dates, TRUE', async () => {
    const csv = 'a,b,c,d,e\n01,1e3,2023-02-30,TRUE,12345678901234567890\n'
    const { tables } = await parse(csv, { fileName: 'x.csv', options: { header: true } })
    expect(tables[0]?.rows).toEqual([['01', '1e3', '2023-02-30', 'TRUE', '12345678901234567890']])
    expect(Object.values(types(tables[0]))).toEqual(['string', 'string', 'string', 'string', 'string'])
  })

  it('makes a mixed column text in every row, and integer+number a number column', async () => {
    const { tables } = await parse('v,w\n1,1\nx,2.5\n3,3\n', { fileName: 'm.csv' })
    expect(tables[0]?.rows).toEqual([
      ['1', 1],
      ['x', 2.5],
      ['3', 3],
    ])
    expect(types(tables[0])).toEqual({ v: 'string', w: 'number' })
  })

  it('detects the delimiter among ; tab and | and honours an explicit one', async () => {
    for (const delimiter of [';', '\t', '|']) {
      const csv = `a${delimiter}b${delimiter}c\n"x,y"${delimiter}2${delimiter}3\n`
      const { tables } = await parse(csv, { fileName: 'd.csv' })
      expect(tables[0]?.columns).toEqual(['a', 'b', 'c'])
      expect(tables[0]?.rows).toEqual([['x,y', 2, 3]])
    }
    const { tables } = await parse('a;b\n1;2\n', { fileName: 'd.csv', options: { delimiter: ',' } })
    expect(tables[0]?.columns).toEqual(['a;b'])
  })

  it('parses TSV with tabs by default', async () => {
    const { tables } = await parse('name\tcity\nAda\tLondon, UK\n', { fileName: 'p.tsv' })
    expect(tables[0]?.rows).toEqual([['Ada', 'London, UK']])
  })

  it('decides the header: auto, forced on and off; names are made unique and non-empty', async () => {
    const numeric = await parse('1,2\n3,4\n', { fileName: 'n.csv' })
    expect(numeric.tables[0]?.columns).toEqual(['column_1', 'column_2'])
    expect(numeric.tables[0]?.rows).toEqual([
      [1, 2],
      [3, 4],
    ])
    const forced = await parse('a,a,,a_2\n1,2,3,4\n', { fileName: 'h.csv', options: { header: true } })
    expect(forced.tables[0]?.columns).toEqual(['a', 'a_2', 'column_3', 'a_2_2'])
    const off = await parse('name,city\nAda,London\n', { fileName: 'h.csv', options: { header: false } })
    expect(off.tables[0]?.rows).toEqual([
      ['name', 'city'],
      ['Ada', 'London'],
    ])
  })

  it('drops a UTF-8 BOM and decodes latin1, cp1252 and UTF-16LE (BOM) input', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name\nZoë\n')])
    expect((await parse(bom, { fileName: 'b.csv' })).tables[0]?.rows).toEqual([['Zoë']])
    const latin1 = iconv.encode('name\nJosé\n', 'latin1')
    expect(
      (await parse(latin1, { fileName: 'l.csv', options: { encoding: 'latin1' } })).tables[0]?.rows,
    ).toEqual([['José']])
    const cp1252 = iconv.encode('price\n€5\n', 'cp1252')
    expect(
      (await parse(cp1252, { fileName: 'c.csv', options: { encoding: 'cp1252' } })).tables[0]?.rows,
    ).toEqual([['€5']])
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('a,b\nü,2\n', 'utf-16le')])
    expect((await parse(utf16, { fileName: 'u.csv', chunkSize: 3 })).tables[0]?.rows).toEqual([['ü', 2]])
  })

  it('handles multi-byte characters and quoted line breaks split across tiny chunks, with a slow sink', async () => {
    const csv = 'word,n\n"naïve\r\nçafé",1\n日本語,2\n'
    const { tables } = await parse(csv, { fileName: 's.csv', chunkSize: 1, slow: true })
    expect(tables[0]?.rows).toEqual([
      ['naïve\r\nçafé', 1],
      ['日本語', 2],
    ])
  })

  it('streams past the type sample: a late non-conforming value widens the column from that row', async () => {
    const rows = ['n,flag', '1,true', '2,false', '3,true', 'x,maybe', '5,true']
    const { tables } = await parse(rows.join('\n'), {
      fileName: 'w.csv',
      slow: true,
      options: { typeSampleRows: 2 },
    })
    expect(tables[0]?.rows).toEqual([
      [1, true],
      [2, false],
      [3, true],
      ['x', 'maybe'],
      ['5', 'true'],
    ])
    expect(tables[0]?.result?.columns).toEqual([
      { name: 'n', type: 'string', nullable: false, widenedAtRow: 3 },
      { name: 'flag', type: 'string', nullable: false, widenedAtRow: 3 },
    ])
  })

  it('rejects invalid UTF-8 with the byte position, also when the bad byte ends a chunk', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')])
    for (const chunkSize of [1, 2, 7, 1000]) {
      const error = await parseFailure(bytes, { fileName: 'bad.csv', chunkSize })
      expect(error.code).toBe('PARSE_INVALID_ENCODING')
      expect(error.details).toEqual({ position: 6, encoding: 'UTF-8' })
      expect(error.status).toBe(400)
    }
    const truncated = await parseFailure(Buffer.from([0x61, 0x0a, 0xe6, 0x97]), { fileName: 't.csv' })
    expect(truncated.details).toEqual({ position: 2, encoding: 'UTF-8' })
  })

  it('rejects an unbalanced quote with the line where the field opened', async () => {
    const csv = 'a,b\n1,2\n3,"never closed\n4,5\n6,7\n'
    const error = await parseFailure(csv, { fileName: 'q.csv' })
    expect(error.code).toBe('PARSE_MALFORMED_CSV')
    expect(error.details).toMatchObject({ line: 3 })
  })

  it('keeps stray quotes inside unquoted fields as text (inch marks), as csv-parse relax_quotes does', async () => {
    const { tables } = await parse('a,b\n5" tv,"x"y\n', { fileName: 'q.csv' })
    expect(tables[0]?.rows).toEqual([['5" tv', '"x"y']])
  })

  it('rejects rows wider than the header with their line', async () => {
    const wide = await parseFailure('a,b\n1,2\n1,2,3\n', { fileName: 'w.csv', options: { header: true } })
    expect(wide.code).toBe('PARSE_MALFORMED_CSV')
    expect(wide.details).toMatchObject({ line: 3 })
    const late = [
      'a,b',
      ...Array.from({ length: 300 }, (_, i) => (i === 248 ? '"x\ny",2,3' : `${i},"v\n${i}"`)),
    ]
    const streamed = await parseFailure(late.join('\n'), {
      fileName: 'w.csv',
      slow: true,
      options: { typeSampleRows: 10 },
    })
    expect(streamed.details).toMatchObject({ line: 1 + 248 * 2 + 2 })
  })

  it('pads short rows with nulls', async () => {
    const { tables } = await parse('a,b,c\n1\n2,3,4\n', { fileName: 's.csv' })
    expect(tables[0]?.rows).toEqual([
      [1, null, null],
      [2, 3, 4],
    ])
  })

  it('stops an unclosed quote at the record size limit instead of buffering the rest of the file', async () => {
    const csv = `a,b\n1,"${'x'.repeat(5000)}\n`.repeat(3)
    const error = await parseFailure(csv, { fileName: 'big.csv', options: { maxRecordBytes: 1000 } })
    expect(error.code).toBe('PARSE_TOO_LARGE')
    expect(error.details).toMatchObject({ line: 2 })
  })

  it('refuses an empty file and bad options', async () => {
    expect((await parseFailure('', { fileName: 'e.csv' })).code).toBe('PARSE_EMPTY_FILE')
    expect((await parseFailure(Buffer.from([0xef, 0xbb, 0xbf]), { fileName: 'e.csv' })).code).toBe(
      'PARSE_EMPTY_FILE',
    )
    const delimiter = await parseFailure('a\n', { fileName: 'o.csv', options: { delimiter: '::' } })
    expect(delimiter.details).toMatchObject({ option: 'delimiter' })
    const encoding = await parseFailure('a\n', {
      fileName: 'o.csv',
      options: { encoding: 'klingon' as never },
    })
    expect(encoding).toMatchObject({ code: 'PARSE_INVALID_OPTION', details: { option: 'encoding' } })
  })

  it('lets sink errors through unchanged', async () => {
    const { parseFile } = await import('../../../src/realms/business-enablement/content/parsing/index.js')
    const failure = new Error('disk full')
    const sink = {
      startTable: () => undefined,
      row: () => Promise.reject(failure),
      endTable: () => undefined,
    }
    async function* bytes() {
      yield Buffer.from('a\n1\n2\n')
    }
    await expect(
      parseFile({ bytes: bytes(), fileName: 'f.csv', contentType: 'text/csv' }, sink),
    ).rejects.toBe(failure)
  })
})
