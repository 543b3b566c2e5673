import type { ParsedTable, TableSink } from './types.js'
import { checkColumnCount, describeColumns, positionalColumnNames, uniqueColumnNames } from './columns.js'
import {
  BOOLEAN,
  INTEGER,
  MISMATCH,
  NULL,
  NUMBER,
  STRING,
  type Kind,
  castAs,
  classifyText,
  fitsKind,
  jsonTextOf,
  textValue,
  unify,
} from './values.js'

export interface StreamedTableOptions {
  name: string
  header: boolean | 'auto'
  sampleRows: number
  maxColumns: number
  /** Called when a record has more fields than the table has columns; returns the error to throw. */
  tooManyFields(fields: number, columns: number, line: number): Error
}

/** The type sample also ends once it holds this much text, so that wide or long records cannot pile up. */
export const sampleBudgetCharacters = 16 * 1024 * 1024

/**
 * Builds one table from text records arriving one by one (CSV/TSV): holds back the first `sampleRows` records
 * to decide the header and the column types, then streams. See the typing rule in types.ts.
 */
export class StreamedTextTable {
  private sample: string[][] | undefined = []
  private sampleCharacters = 0
  private sampleLines: number[] = []
  private names: string[] = []
  private width = 0
  private kinds = new Uint8Array(0)
  private nullable: boolean[] = []
  private widenedAt: (number | undefined)[] = []
  private rowCount = 0

  constructor(
    private readonly sink: TableSink,
    private readonly options: StreamedTableOptions,
  ) {}

  /** Takes one record (`line`: where it ends); a returned promise must settle before the next call. */
  add(record: string[], line: number): void | Promise<void> {
    if (this.sample === undefined) return this.emit(record, line)
    this.sample.push(record)
    this.sampleLines.push(line)
    for (const field of record) this.sampleCharacters += field.length
    if (this.sample.length > this.options.sampleRows || this.sampleCharacters > sampleBudgetCharacters)
      return this.start()
    return undefined
  }

  async finish(): Promise<ParsedTable> {
    if (this.sample !== undefined) await this.start()
    const columns = describeColumns(this.names, this.kinds, this.nullable)
    columns.forEach((column, index) => {
      const row = this.widenedAt[index]
      if (row !== undefined) column.widenedAtRow = row
    })
    await this.sink.endTable({ columns, rowCount: this.rowCount })
    return { name: this.options.name, columns, rowCount: this.rowCount }
  }

  private async start(): Promise<void> {
    const sample = this.sample ?? []
    this.sample = undefined
    const first = sample[0] ?? []
    const hasHeader = this.options.header === 'auto' ? looksLikeHeader(first) : this.options.header
    const rows = hasHeader ? sample.slice(1) : sample
    const lines = hasHeader ? this.sampleLines.slice(1) : this.sampleLines
    this.width = hasHeader ? first.length : rows.reduce((widest, row) => Math.max(widest, row.length), 0)
    checkColumnCount(this.width, this.options.maxColumns)
    this.names = hasHeader ? uniqueColumnNames(first) : positionalColumnNames(this.width)
    this.kinds = new Uint8Array(this.width)
    this.nullable = new Array<boolean>(this.width).fill(false)
    this.widenedAt = new Array<number | undefined>(this.width)
    for (const [index, row] of rows.entries()) {
      if (row.length > this.width) throw this.options.tooManyFields(row.length, this.width, lines[index] ?? 0)
      for (let c = 0; c < this.width; c++) {
        const kind = classifyText(row[c] ?? '')
        if (kind === NULL) this.nullable[c] = true
        else this.kinds[c] = unify(this.kinds[c] ?? NULL, kind)
      }
    }
    await this.sink.startTable({ name: this.options.name, columns: this.names })
    for (const [index, row] of rows.entries()) {
      const pending = this.emit(row, lines[index] ?? 0)
      if (pending) await pending
    }
  }

  private emit(record: string[], line: number): void | Promise<void> {
    const width = this.width
    if (record.length > width) throw this.options.tooManyFields(record.length, width, line)
    if (this.sink.jsonRow) return this.emitJson(record)
    const kinds = this.kinds
    const values: unknown[] = record
    for (let c = 0; c < width; c++) {
      const text = record[c]
      if (text === undefined || text === '') {
        values[c] = null
        this.nullable[c] = true
        continue
      }
      const kind = kinds[c] ?? STRING
      if (kind === STRING) continue
      const value = castAs(kind, text)
      if (value !== MISMATCH) {
        values[c] = value
        continue
      }
      const cellKind = this.widen(c, text)
      if (cellKind !== STRING) values[c] = textValue(cellKind, text)
    }
    this.rowCount++
    return this.sink.row(values)
  }

  /** As `emit`, for a sink taking JSON texts: the record's fields are replaced by their values' JSON. */
  private emitJson(record: string[]): void | Promise<void> {
    const width = this.width
    const kinds = this.kinds
    for (let c = 0; c < width; c++) {
      const text = record[c]
      if (text === undefined || text === '') {
        record[c] = 'null'
        this.nullable[c] = true
        continue
      }
      const kind = kinds[c] ?? STRING
      if (kind === STRING) record[c] = JSON.stringify(text)
      else if (fitsKind(kind, text)) record[c] = jsonTextOf(kind, text)
      else record[c] = jsonTextOf(this.widen(c, text), text)
    }
    this.rowCount++
    return this.sink.jsonRow!(record)
  }

  /**
   * Widens column `c` for a cell that does not fit its kind; answers the kind the cell's value takes (STRING
   * when the column became text).
   */
  private widen(c: number, text: string): Kind {
    const kind = this.kinds[c] ?? STRING
    const cellKind = classifyText(text)
    if (cellKind === kind) return cellKind
    const unified = unify(kind, cellKind)
    if (unified === STRING && (kind === INTEGER || kind === NUMBER || kind === BOOLEAN))
      this.widenedAt[c] = this.rowCount
    this.kinds[c] = unified
    return unified === STRING ? STRING : cellKind
  }
}

/**
 * A first row names columns when every cell is non-empty text that does not read as a value, and none
 * repeats.
 */
export function looksLikeHeader(first: readonly unknown[]): boolean {
  if (first.length === 0) return false
  const seen = new Set<string>()
  for (const cell of first) {
    if (typeof cell !== 'string') return false
    const name = cell.trim()
    if (name === '' || classifyText(name) !== STRING || seen.has(name)) return false
    seen.add(name)
  }
  return true
}
