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

/** The first records of a text table, held back to decide its header and column types. */
export class TypeSample {
  readonly records: string[][] = []
  readonly lines: number[] = []
  private characters = 0

  constructor(private readonly rows: number) {}

  /** Takes one record (`line`: where it ends); answers whether the sample is now complete. */
  add(record: string[], line: number): boolean {
    this.records.push(record)
    this.lines.push(line)
    for (const field of record) this.characters += field.length
    return this.records.length > this.rows || this.characters > sampleBudgetCharacters
  }
}

/** A text table's header and columns as decided from its type sample, with the sample's data rows. */
export interface TableShape {
  hasHeader: boolean
  names: string[]
  kinds: Uint8Array
  nullable: boolean[]
  rows: string[][]
  rowLines: number[]
}

/** Decides the header and the column types from the sample; throws when a sample row is wider than the header. */
export function decideTable(sample: TypeSample, options: StreamedTableOptions): TableShape {
  const first = sample.records[0] ?? []
  const hasHeader = options.header === 'auto' ? looksLikeHeader(first) : options.header
  const rows = hasHeader ? sample.records.slice(1) : sample.records
  const rowLines = hasHeader ? sample.lines.slice(1) : sample.lines
  const width = hasHeader ? first.length : rows.reduce((widest, row) => Math.max(widest, row.length), 0)
  checkColumnCount(width, options.maxColumns)
  const names = hasHeader ? uniqueColumnNames(first) : positionalColumnNames(width)
  const kinds = new Uint8Array(width)
  const nullable = new Array<boolean>(width).fill(false)
  for (const [index, row] of rows.entries()) {
    if (row.length > width) throw options.tooManyFields(row.length, width, rowLines[index] ?? 0)
    for (let c = 0; c < width; c++) {
      const kind = classifyText(row[c] ?? '')
      if (kind === NULL) nullable[c] = true
      else kinds[c] = unify(kinds[c] ?? NULL, kind)
    }
  }
  return { hasHeader, names, kinds, nullable, rows, rowLines }
}

/** Where a streamed table stands: its column kinds, nulls seen, widenings (row numbers) and rows sent. */
export interface TableState {
  kinds: Uint8Array
  nullable: boolean[]
  widenedAt: (number | undefined)[]
  rowCount: number
}

/**
 * Builds one table from text records arriving one by one (CSV/TSV): holds back the first `sampleRows` records
 * to decide the header and the column types, then streams. See the typing rule in types.ts.
 */
export class StreamedTextTable {
  private sample: TypeSample | undefined
  private names: string[] = []
  private width = 0
  private kinds: Uint8Array = new Uint8Array(0)
  private nullable: boolean[] = []
  private widenedAt: (number | undefined)[] = []
  private rowCount = 0

  constructor(
    private readonly sink: TableSink,
    private readonly options: StreamedTableOptions,
  ) {
    this.sample = new TypeSample(options.sampleRows)
  }

  /**
   * A table already started elsewhere (a later part of the same file), its columns named `names` and of `kinds`
   * so far: every record is streamed at once, and `state()` tells how it went (row numbers from 0).
   */
  static continuing(sink: TableSink, options: StreamedTableOptions, names: string[], kinds: Uint8Array) {
    const table = new StreamedTextTable(sink, options)
    table.sample = undefined
    table.names = names
    table.width = names.length
    table.kinds = Uint8Array.from(kinds)
    table.nullable = new Array<boolean>(names.length).fill(false)
    table.widenedAt = new Array<number | undefined>(names.length)
    return table
  }

  state(): TableState {
    return { kinds: this.kinds, nullable: this.nullable, widenedAt: this.widenedAt, rowCount: this.rowCount }
  }

  /** Takes one record (`line`: where it ends); a returned promise must settle before the next call. */
  add(record: string[], line: number): void | Promise<void> {
    if (this.sample === undefined) return this.emit(record, line)
    return this.sample.add(record, line) ? this.start() : undefined
  }

  async finish(): Promise<ParsedTable> {
    if (this.sample !== undefined) await this.start()
    return finishTable(this.sink, this.options.name, this.names, this.state())
  }

  private async start(): Promise<void> {
    const shape = decideTable(this.sample ?? new TypeSample(0), this.options)
    this.sample = undefined
    this.names = shape.names
    this.width = shape.names.length
    this.kinds = shape.kinds
    this.nullable = shape.nullable
    this.widenedAt = new Array<number | undefined>(this.width)
    await this.sink.startTable({ name: this.options.name, columns: this.names })
    for (const [index, row] of shape.rows.entries()) {
      const pending = this.emit(row, shape.rowLines[index] ?? 0)
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

/** Ends a streamed table: describes its columns (with widenings) to the sink and answers the table. */
export async function finishTable(
  sink: TableSink,
  name: string,
  names: string[],
  state: TableState,
): Promise<ParsedTable> {
  const columns = describeColumns(names, state.kinds, state.nullable)
  columns.forEach((column, index) => {
    const row = state.widenedAt[index]
    if (row !== undefined) column.widenedAtRow = row
  })
  await sink.endTable({ columns, rowCount: state.rowCount })
  return { name, columns, rowCount: state.rowCount }
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
