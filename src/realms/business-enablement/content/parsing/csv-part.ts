import { CsvError } from 'csv-parse'
import { csvParser, csvProblemOf, pump, recordPositions, type RecordPosition } from './csv-reading.js'
import { StreamedTextTable } from './streamed-table.js'
import type { CsvPartProblem, CsvPartResult, CsvPartTask, TableSink } from './types.js'

/** Thrown by the part's table for a record wider than the table (the caller knows the width). */
class TooManyFields extends Error {
  constructor(
    readonly fields: number,
    readonly line: number,
  ) {
    super(`${fields} fields`)
  }
}

/** A buffer for lines, handed from one part to the next on a thread (a part takes it, or makes its own). */
let spare: Buffer | undefined

/** Ends the parse of a part that stops inside a record: that record is parsed again with the next part. */
const partEnds = new Error('the part ends inside a record')

/**
 * Parses one part of a CSV/TSV file (see CsvPartTask) as the whole file's parse would parse those records: the
 * same csv-parse options, each record typed and written as JSON texts by a StreamedTextTable continuing with the
 * part's starting kinds, each row made a line by `lineOf` (whose text is answered as UTF-8 bytes). A part that is
 * not the last and does not end with a whole record (its end falls inside a quoted field, or it ends without a
 * record delimiter) answers `rest`: where the record it ends inside starts.
 */
export async function parseCsvPart(
  task: CsvPartTask,
  lineOf: (jsonValues: readonly string[]) => string,
): Promise<CsvPartResult> {
  // Each line is encoded at once into one buffer: a part's lines kept as one string until its end would survive
  // the young generation's collections, which then copy them again and again (measured: a fifth more CPU).
  let buffer = spare ?? Buffer.allocUnsafeSlow(1024 * 1024)
  spare = undefined
  let length = 0
  const sink: TableSink = {
    startTable: () => undefined,
    row: () => {
      throw new Error('a part takes its rows as JSON texts')
    },
    jsonRow(jsonValues) {
      const line = lineOf(jsonValues)
      if (length + line.length * 3 > buffer.length) {
        const larger = Buffer.allocUnsafeSlow(buffer.length * 2 + line.length * 3)
        buffer.copy(larger, 0, 0, length)
        buffer = larger
      }
      length += buffer.write(line, length)
    },
    endTable: () => undefined,
  }
  const table = StreamedTextTable.continuing(
    sink,
    {
      name: '',
      header: false,
      sampleRows: 0,
      maxColumns: task.columns.length,
      tooManyFields: (fields, _columns, line) => new TooManyFields(fields, line),
    },
    task.columns,
    task.kinds,
  )
  const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength)
  const parser = csvParser(task)
  const positions = recordPositions(parser)
  const open = !task.last && !endsWith(bytes, task.recordDelimiter)
  let skipped = 0
  let lastRecordLine = 0
  let accepted: RecordPosition = { line: 0, bytes: 0 }
  let rest: number | undefined
  let problem: CsvPartProblem | undefined
  try {
    await pump([bytes], parser, (record) => {
      const position = positions.take()
      // csv-parse ends a part by flushing the unterminated record it holds: not a record of this part.
      if (open && position.bytes === bytes.length) throw partEnds
      lastRecordLine = position.line
      if (skipped < task.skip) skipped++
      else void table.add(record, position.line)
      accepted = position
    })
  } catch (error) {
    const cutInQuotes = error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED' && !task.last
    if (error === partEnds || cutInQuotes) rest = accepted.bytes
    else problem = problemOf(error)
  }
  const state = table.state()
  const lines = new Uint8Array(length)
  lines.set(buffer.subarray(0, length))
  spare = buffer
  return {
    lines,
    rows: state.rowCount,
    kinds: state.kinds,
    nullable: Uint8Array.from(state.nullable, (seen) => (seen ? 1 : 0)),
    widenedAt: Int32Array.from(state.widenedAt, (row) => row ?? -1),
    lineCount: rest === undefined ? parser.info.lines - 1 : accepted.line,
    lastRecordLine,
    skipped,
    ...(rest !== undefined && { rest }),
    ...(problem !== undefined && { problem }),
  }
}

function endsWith(bytes: Buffer, delimiter: string): boolean {
  if (delimiter === '\n') return bytes[bytes.length - 1] === 10
  return bytes[bytes.length - 1] === 10 && bytes[bytes.length - 2] === 13
}

function problemOf(error: unknown): CsvPartProblem {
  if (error instanceof TooManyFields) return { kind: 'fields', fields: error.fields, line: error.line }
  if (error instanceof CsvError) return csvProblemOf(error)
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) }
}
