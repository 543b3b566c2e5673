import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { parse, parseFailure, types } from './support.js'

async function workbook(build: (book: ExcelJS.Workbook) => void, useSharedStrings = true): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  build(book)
  return Buffer.from(await book.xlsx.writeBuffer({ useSharedStrings }))
}

describe('XLSX parsing', () => {
  it('makes one typed table per sheet, named after the sheet', async () => {
    const bytes = await workbook((book) => {
      const orders = book.addWorksheet('Orders')
      orders.addRow(['id', 'customer', 'amount', 'paid', 'ordered', 'at', 'total', 'note', 'link'])
      orders.addRow([
        1,
        'Ada',
        10.5,
        true,
        new Date(Date.UTC(2024, 1, 29)),
        new Date(Date.UTC(2024, 1, 29, 13, 45, 10)),
        { formula: 'C2*2', result: 21 },
        { richText: [{ text: 'bold ' }, { text: 'move' }] },
        { text: 'site', hyperlink: 'https://example.com' },
      ])
      orders.addRow([2, 'Bo', 3, false, new Date(Date.UTC(2024, 2, 1)), null, { formula: 'C3*2', result: 6 }])
      orders.addRow([])
      orders.addRow([3, 'Cy', { error: '#N/A' }])
      const notes = book.addWorksheet('Notes')
      notes.addRow(['text'])
      notes.addRow(['hello'])
    })
    const { outcome, tables } = await parse(bytes, { fileName: 'book.xlsx' })
    expect(tables.map((table) => table.name)).toEqual(['Orders', 'Notes'])
    expect(tables[0]?.rows).toEqual([
      [1, 'Ada', 10.5, true, '2024-02-29', '2024-02-29T13:45:10', 21, 'bold move', 'site'],
      [2, 'Bo', 3, false, '2024-03-01', null, 6, null, null],
      [3, 'Cy', null, null, null, null, null, null, null],
    ])
    expect(types(tables[0])).toEqual({
      id: 'integer',
      customer: 'string',
      amount: 'number',
      paid: 'boolean',
      ordered: 'date',
      at: 'datetime',
      total: 'integer',
      note: 'string',
      link: 'string',
    })
    expect(tables[1]?.rows).toEqual([['hello']])
    expect(outcome).toMatchObject({
      kind: 'table',
      tables: [{ name: 'Orders', rowCount: 3 }, { rowCount: 1 }],
    })
  })

  it('reads inline strings as well as shared strings, stringifies mixed columns and merges', async () => {
    const bytes = await workbook((book) => {
      const sheet = book.addWorksheet('S')
      sheet.addRow(['code', 'label'])
      sheet.addRow([1, 'one'])
      sheet.addRow(['A7', 'two'])
      sheet.mergeCells('B4:B5')
      sheet.getCell('A4').value = 9
      sheet.getCell('B4').value = 'merged'
      sheet.getCell('A5').value = 10
    }, false)
    const { tables } = await parse(bytes, { fileName: 'inline.xlsx' })
    expect(tables[0]?.rows).toEqual([
      ['1', 'one'],
      ['A7', 'two'],
      ['9', 'merged'],
      ['10', null],
    ])
    expect(types(tables[0])).toEqual({ code: 'string', label: 'string' })
  })

  it('filters sheets by name and refuses unknown ones', async () => {
    const bytes = await workbook((book) => {
      book.addWorksheet('A').addRow([1, 2])
      book.addWorksheet('B').addRow([3, 4])
    })
    const { tables } = await parse(bytes, { fileName: 'f.xlsx', options: { sheets: ['B'] } })
    expect(tables.map((table) => [table.name, table.columns, table.rows])).toEqual([
      ['B', ['column_1', 'column_2'], [[3, 4]]],
    ])
    const error = await parseFailure(bytes, { fileName: 'f.xlsx', options: { sheets: ['Nope'] } })
    expect(error).toMatchObject({ code: 'PARSE_INVALID_OPTION', details: { option: 'sheets' } })
  })

  it('reports truncated and non-workbook files as PARSE_CORRUPT_XLSX', async () => {
    const bytes = await workbook((book) => {
      const sheet = book.addWorksheet('A')
      for (let i = 0; i < 200; i++) sheet.addRow([i, `row ${i}`, i * 1.5])
    })
    for (const broken of [bytes.subarray(0, Math.floor(bytes.length / 2)), bytes.subarray(0, 100)]) {
      const error = await parseFailure(broken, { fileName: 'cut.xlsx' })
      expect(error.code).toBe('PARSE_CORRUPT_XLSX')
      expect(error.status).toBe(400)
    }
    expect((await parseFailure('id,name\n1,x\n', { fileName: 'fake.xlsx' })).code).toBe('PARSE_CORRUPT_XLSX')
    expect((await parseFailure('', { fileName: 'empty.xlsx' })).code).toBe('PARSE_EMPTY_FILE')
  })
})
