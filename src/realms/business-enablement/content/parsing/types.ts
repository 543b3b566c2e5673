/**
 * The parsing library's contract. `parseFile` turns one uploaded file into tables (streamed through a
 * TableSink) or into text; it stores nothing. Every malformed input ends in a PlatformError of kind `invalid`
 * from content/errors.ts, with details locating the problem.
 *
 * Typed values (one rule for every table format):
 * - A cell is cast on its own, conservatively: integers are `-?(0|[1-9][0-9]*)` within the safe range (so
 *   `007` stays text), numbers are plain decimals `-?(0|[1-9][0-9]*)\.[0-9]+` with at most 15 significant
 *   digits (no exponents, no thousands separators), booleans are exactly `true`/`false`, dates are ISO
 *   `YYYY-MM-DD` and datetimes ISO `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`; dates and datetimes stay strings.
 *   An empty cell is null. Everything else is a string. Formats that carry types (JSON, XLSX, copybook PICs)
 *   keep their own types; JSON strings are not cast except that ISO dates/datetimes count as such.
 * - A column's type is the unification of its non-null values: integer+number = number, date+datetime =
 *   datetime, anything else mixed = string; no non-null value = `empty`. `nullable` says a null was seen.
 * - Rows agree with the column types: in a `string` column every non-null value is a string (the cell's
 *   text). Buffered formats (JSON, XLSX) and copybooks hold this exactly. Streamed text tables
 *   (CSV/TSV/JSONL) fix their types from the first `typeSampleRows` rows (at most 16 Mi characters), held
 *   back before the first `row` call; when a later value does not fit, the column becomes `string` from that
 *   row on and `widenedAtRow` (0-based) says so: earlier rows carry values cast for the earlier type.
 */

export type ParsingType =
  'csv' | 'tsv' | 'json' | 'jsonl' | 'xlsx' | 'text' | 'markdown' | 'pdf' | 'docx' | 'copybook'

export const parsingTypes: readonly ParsingType[] = [
  'csv',
  'tsv',
  'json',
  'jsonl',
  'xlsx',
  'text',
  'markdown',
  'pdf',
  'docx',
  'copybook',
]

/** Encodings accepted for text input; `ebcdic` (= `cp037`) only for copybook data. */
export type TextEncoding =
  'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1' | 'cp1252' | 'ascii' | 'ebcdic' | 'cp037'

export interface ParseOptions {
  /** CSV/TSV field delimiter (one character); detected among , ; tab | when absent (TSV: tab). */
  delimiter?: string
  /** CSV quote character, `"` by default. */
  quote?: string
  /**
   * Text encoding of the input; UTF-8 by default (a UTF-8 or UTF-16 BOM is honoured), EBCDIC for copybook
   * data.
   */
  encoding?: TextEncoding
  /**
   * Whether the first row names the columns (CSV/TSV/XLSX); `auto` (default) decides from the first row's
   * cells.
   */
  header?: boolean | 'auto'
  /** XLSX: parse only the sheets with these names (default every sheet). */
  sheets?: string[]
  /** Rows held back to fix the column types of streamed tables (default 1000; at most 16 Mi characters). */
  typeSampleRows?: number
  /** Largest single CSV record or JSONL line in bytes (default 8 MiB). */
  maxRecordBytes?: number
  /** Most columns a table may have (default 10,000). */
  maxColumns?: number
  /** Copybook data: `fixed` records back to back or `newline`-terminated; detected after the first record. */
  recordFormat?: 'fixed' | 'newline'
  /** Copybook: the 01-level record to use when the copybook holds several (default the first). */
  recordName?: string
}

export interface ParseSource {
  /** Read once, streaming; a node Readable qualifies. */
  bytes: AsyncIterable<Uint8Array>
  /** The input's size in bytes when known: CSV/TSV of at least `parts.minBytes` are parsed in parts. */
  size?: number
  /** Where CSV/TSV parts are parsed (worker threads in the platform); without it, on the calling thread. */
  parts?: PartParsing
  fileName: string
  contentType: string
  /** When absent, chosen from contentType and the file extension (see chooseParsingType). */
  parsingType?: ParsingType
  /** COBOL copybook text; required for `copybook`. */
  copybook?: string
  options?: ParseOptions
}

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'empty'

export interface ColumnInfo {
  name: string
  type: ColumnType
  nullable: boolean
  /** Streamed tables only: the 0-based row from which this column's values are text (see the typing rule). */
  widenedAtRow?: number
  /** JSON only: the column holds nested objects or arrays, kept as JSON values (its type is `string`). */
  nested?: true
}

export interface TableSink {
  startTable(table: { name: string; columns: string[] }): void | Promise<void>
  /** Awaited only when a promise is returned (backpressure); values are aligned to the columns. */
  row(values: unknown[]): void | Promise<void>
  /**
   * Optional, used instead of `row` by text formats (CSV/TSV) when present: the same row with each value already
   * written as JSON text (`null`, a number, `true`/`false` or a string), which spares casting text to values only
   * to write them back as text.
   */
  jsonRow?(jsonValues: string[]): void | Promise<void>
  /**
   * Optional, for CSV/TSV parsed in parts (see `ParseSource.parts`): the next `rows` rows, in order, as the bytes
   * the part runner made of their JSON rows (the dataset sink's runner makes its JSON lines).
   */
  jsonLines?(lines: Uint8Array, rows: number): void | Promise<void>
  endTable(result: { columns: ColumnInfo[]; rowCount: number }): void | Promise<void>
}

export interface ParsedTable {
  name: string
  columns: ColumnInfo[]
  rowCount: number
}

export type ParseOutcome =
  | { kind: 'table'; tables: ParsedTable[] }
  | {
      kind: 'text'
      format: 'plain' | 'markdown' | 'pdf' | 'docx'
      text: string
      pages?: number
      title?: string
    }

/**
 * Parses CSV/TSV parts, usually on worker threads, for files of at least `minBytes`: the file is cut into parts of
 * about `partBytes` that end where a record probably ends, and up to `inFlight` parts are parsed at once while the
 * results are taken in order (see delimited-parts.ts).
 */
export interface PartParsing {
  run(task: CsvPartTask): Promise<CsvPartResult>
  minBytes: number
  partBytes: number
  inFlight: number
}

/** One part of a CSV/TSV file to parse after the type sample; plain data, as it crosses threads. */
export interface CsvPartTask {
  /** UTF-8, starting where a record starts. */
  bytes: Uint8Array
  /** Whether the input ends with this part (otherwise it should end with a record delimiter). */
  last: boolean
  delimiter: string
  quote: string
  /** `\n` or `\r\n`, as csv-parse detected it at the start of the file. */
  recordDelimiter: string
  maxRecordBytes: number
  columns: string[]
  /** The column kinds (values.ts) in force where the part starts. */
  kinds: Uint8Array
  /** Records to skip at the start (the header row). */
  skip: number
}

/** A parsed part; lines and rows are counted from the part's start (csv-parse's line 1 is its first line). */
export interface CsvPartResult {
  /** The rows as the runner wrote them (see `TableSink.jsonLines`). */
  lines: Uint8Array
  rows: number
  /** Column kinds, nulls seen (1) and the row each column was widened to text at (-1: none), after the part. */
  kinds: Uint8Array
  nullable: Uint8Array
  widenedAt: Int32Array
  /** Lines before the first line of what follows (the next part, or `rest`). */
  lineCount: number
  /** The line the last record parsed ended on; 0 when none. */
  lastRecordLine: number
  skipped: number
  /**
   * Set when the part did not end with a whole record (a cut inside a quoted field): its bytes from this offset on
   * belong to the next part, which must be parsed again with them in front.
   */
  rest?: number
  /** Why the part failed (nothing else is valid then). */
  problem?: CsvPartProblem
}

export type CsvPartProblem =
  | { kind: 'csv'; code: string; line: number | undefined; column: number | undefined; message: string }
  | { kind: 'fields'; fields: number; line: number }
  | { kind: 'other'; message: string }
