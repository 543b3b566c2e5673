import { parse, CsvError, type Parser } from 'csv-parse'
import { isPlatformError } from '../../../../kernel/errors.js'
import { contentErrors } from '../errors.js'
import type { StreamedTextTable } from './streamed-table.js'
import type { CsvPartProblem, ParsedTable } from './types.js'

// csv-parse as every CSV/TSV path drives it: one set of options, records fed with backpressure, where each record
// ends, and its errors turned into PARSE_* errors.

/** The delimiter, quote and record size limit of one file, as csv-parse is given them everywhere. */
export interface CsvSettings {
  delimiter: string
  quote: string
  maxRecordBytes: number
  /** `\n` or `\r\n` once known (parts after the first); detected by csv-parse otherwise. */
  recordDelimiter?: string
}

export function csvParser(settings: CsvSettings): Parser {
  return parse({
    delimiter: settings.delimiter,
    quote: settings.quote,
    bom: false,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: settings.maxRecordBytes,
    ...(settings.recordDelimiter !== undefined && { record_delimiter: settings.recordDelimiter }),
  })
}

export function tooManyFields(fields: number, columns: number, line: number) {
  return contentErrors.PARSE_MALFORMED_CSV({
    line,
    reason: `${fields} fields where the table has ${columns} columns`,
  })
}

/** Parses the whole input on this thread into `table`. */
export async function parseStreamed(
  input: AsyncIterable<Buffer>,
  csv: CsvSettings,
  table: StreamedTextTable,
): Promise<ParsedTable> {
  const parser = csvParser(csv)
  const positions = recordPositions(parser)
  try {
    await pump(input, parser, (record) => table.add(record, positions.take().line))
  } catch (error) {
    throw csvFailure(error, positions.lastLine)
  }
  return table.finish()
}

/**
 * Feeds the chunks into the parser and each record to `onRecord`, pausing the parser while a returned promise
 * is pending. Rejects with the first error from the chunks, the parser or `onRecord` (as thrown: see
 * `csvFailure`), and releases the input.
 */
export function pump(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  parser: Parser,
  onRecord: (record: string[]) => void | Promise<void>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false
    const fail = (error: unknown) => {
      if (failed) return
      failed = true
      parser.destroy()
      reject(error instanceof Error ? error : new Error(String(error)))
    }
    parser.on('data', (record: string[]) => {
      if (failed) return
      let pending: void | Promise<void>
      try {
        pending = onRecord(record)
      } catch (error) {
        fail(error)
        return
      }
      if (pending) {
        parser.pause()
        pending.then(() => parser.resume(), fail)
      }
    })
    parser.on('error', fail)
    parser.on('end', () => {
      if (!failed) resolve()
    })
    const feed = async () => {
      for await (const chunk of chunks) {
        if (failed) return
        if (!parser.write(chunk)) await drained(parser)
      }
      if (!failed) parser.end()
    }
    feed().catch(fail)
  })
}

/** Where a record ends: its line (csv-parse counts from 1) and the byte after its record delimiter. */
export interface RecordPosition {
  line: number
  bytes: number
}

/**
 * Where each record ends. csv-parse's `info` option would allocate an info object per record; instead the
 * parser's live counts are read as each record is pushed (records may be delivered later, when the parser ran
 * ahead of a paused consumer): `take()` answers the position of the next record delivered, `lastLine` is the
 * line of the last record parsed.
 */
export function recordPositions(parser: Parser): { take(): RecordPosition; lastLine: number } {
  const lines: number[] = []
  const bytes: number[] = []
  const positions = {
    lastLine: 0,
    take: (): RecordPosition => ({ line: lines.shift() ?? 0, bytes: bytes.shift() ?? 0 }),
  }
  const push = parser.push.bind(parser)
  parser.push = (record: unknown) => {
    if (record !== null) {
      positions.lastLine = parser.info.lines
      lines.push(positions.lastLine)
      bytes.push(parser.info.bytes)
    }
    return push(record)
  }
  return positions
}

function drained(parser: Parser): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      parser.off('drain', done)
      parser.off('close', done)
      resolve()
    }
    parser.on('drain', done)
    parser.on('close', done)
  })
}

/** What csv-parse reported, as plain data (it may cross threads): its code, line, field and message. */
export type CsvProblem = Extract<CsvPartProblem, { kind: 'csv' }>

export function csvProblemOf(error: CsvError): CsvProblem {
  return {
    kind: 'csv',
    code: error.code,
    line: typeof error['lines'] === 'number' ? error['lines'] : undefined,
    column: typeof error['column'] === 'number' ? error['column'] + 1 : undefined,
    message: error.message,
  }
}

/** A parse failure as thrown to the caller: csv-parse's errors become PARSE_* errors, others pass unchanged. */
export function csvFailure(error: unknown, lastRecordLine: number): Error {
  if (!(error instanceof Error)) return new Error(String(error))
  if (isPlatformError(error) || !(error instanceof CsvError)) return error
  return csvError(csvProblemOf(error), lastRecordLine, error)
}

/** The PARSE_* error for a csv-parse problem; `lastRecordLine` is the line of the last record parsed before it. */
export function csvError(problem: CsvProblem, lastRecordLine: number, cause?: Error): Error {
  const { line, column } = problem
  if (problem.code === 'CSV_QUOTE_NOT_CLOSED')
    return contentErrors.PARSE_MALFORMED_CSV(
      { line: lastRecordLine + 1, reason: 'a quoted field opened on this line is never closed' },
      cause,
    )
  if (problem.code === 'CSV_MAX_RECORD_SIZE')
    return contentErrors.PARSE_TOO_LARGE(
      { line: lastRecordLine + 1, reason: `a record starting at line ${lastRecordLine + 1} is too large` },
      cause,
    )
  if (problem.code === 'CSV_INVALID_CLOSING_QUOTE')
    return contentErrors.PARSE_MALFORMED_CSV(
      { line, column, reason: 'a closing quote is followed by other characters' },
      cause,
    )
  return contentErrors.PARSE_MALFORMED_CSV({ line, column, reason: problem.message }, cause)
}
