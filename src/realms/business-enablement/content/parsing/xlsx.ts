import ExcelJS from 'exceljs'
import { isPlatformError } from '../../../../kernel/errors.js'
import { contentErrors } from '../errors.js'
import { checkColumnCount, emitBufferedTable, positionalColumnNames, uniqueColumnNames } from './columns.js'
import { defaultMaxColumns, positive } from './delimited.js'
import { looksLikeHeader } from './streamed-table.js'
import { readAll } from './text-encoding.js'
import type { ParseOutcome, ParseSource, ParsedTable, TableSink } from './types.js'

/**
 * XLSX workbooks are read whole (exceljs loads the zip in memory; the upload limit bounds the size); each
 * sheet becomes one table named after the sheet. Cells keep their types: numbers, booleans, text (shared or
 * rich), dates as ISO text (`YYYY-MM-DD` at midnight, else `YYYY-MM-DDTHH:MM:SS`), formulas as their cached
 * result, hyperlinks as their text. Error cells (#N/A ...) and the non-first cells of merged ranges are null;
 * empty rows are skipped.
 */
export async function parseXlsx(source: ParseSource, sink: TableSink): Promise<ParseOutcome> {
  const options = source.options ?? {}
  const maxColumns = positive(options, 'maxColumns') ?? defaultMaxColumns
  const buffer = await readAll(source.bytes, source.fileName)
  const workbook = new ExcelJS.Workbook()
  try {
    await workbook.xlsx.load(buffer as unknown as ExcelJS.Buffer)
  } catch (error) {
    throw contentErrors.PARSE_CORRUPT_XLSX({ reason: reasonOf(error) }, error)
  }
  const wanted = options.sheets
  if (wanted !== undefined) {
    const missing = wanted.filter((name) => !workbook.worksheets.some((sheet) => sheet.name === name))
    if (missing.length > 0)
      throw contentErrors.PARSE_INVALID_OPTION({
        option: 'sheets',
        reason: `no sheet named ${missing.join(', ')}`,
      })
  }
  const tables: ParsedTable[] = []
  for (const sheet of workbook.worksheets) {
    if (wanted !== undefined && !wanted.includes(sheet.name)) continue
    const rows = sheetRows(sheet)
    const first = rows[0] ?? []
    const hasHeader =
      options.header === 'auto' || options.header === undefined ? looksLikeHeader(first) : options.header
    const body = hasHeader ? rows.slice(1) : rows
    const width = hasHeader ? first.length : body.reduce((widest, row) => Math.max(widest, row.length), 0)
    checkColumnCount(width, maxColumns)
    const wider = body.findIndex((row) => row.length > width)
    if (wider >= 0)
      throw contentErrors.PARSE_CORRUPT_XLSX({
        sheet: sheet.name,
        cell: cellAddress(width + 1, wider + (hasHeader ? 2 : 1)),
        reason: 'a value lies right of the header row',
      })
    const columns = hasHeader ? uniqueColumnNames(first) : positionalColumnNames(width)
    tables.push(await emitBufferedTable(sink, { name: sheet.name, columns }, body))
  }
  return { kind: 'table', tables }
}

/** The non-empty rows of a sheet as arrays indexed from column A, trailing empty cells trimmed. */
function sheetRows(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = []
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: unknown[] = []
    row.eachCell({ includeEmpty: false }, (cell, column) => {
      try {
        const value = cellValue(cell)
        if (value !== null) values[column - 1] = value
      } catch (error) {
        if (isPlatformError(error)) throw error
        throw contentErrors.PARSE_CORRUPT_XLSX(
          { sheet: sheet.name, cell: cellAddress(column, rowNumber), reason: reasonOf(error) },
          error,
        )
      }
    })
    if (values.length === 0) return
    for (let c = 0; c < values.length; c++) values[c] ??= null
    rows.push(values)
  })
  return rows
}

function cellValue(cell: ExcelJS.Cell): unknown {
  if (cell.type === ExcelJS.ValueType.Merge) return null
  return plainValue(cell.value)
}

function plainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (value instanceof Date) return isoDate(value)
  if (typeof value !== 'object') return null
  const record = value as Record<string, unknown>
  if ('error' in record) return null
  if (Array.isArray(record['richText']))
    return (record['richText'] as { text?: unknown }[])
      .map((part) => (typeof part.text === 'string' ? part.text : ''))
      .join('')
  if ('formula' in record || 'sharedFormula' in record) return plainValue(record['result'])
  if ('hyperlink' in record) return plainValue(record['text'])
  if ('text' in record) return plainValue(record['text'])
  return JSON.stringify(value)
}

function isoDate(date: Date): string | null {
  if (Number.isNaN(date.getTime())) return null
  const iso = date.toISOString()
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10)
  return iso.replace(/\.000Z$|Z$/, '')
}

export function cellAddress(column: number, row: number): string {
  let letters = ''
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters
  return `${letters}${row}`
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.length > 200 ? `${message.slice(0, 200)}…` : message
}
