import { contentErrors } from '../errors.js'
import { checkColumnCount, describeColumns, tableNameFromFile } from './columns.js'
import { defaultMaxColumns, defaultMaxRecordBytes, defaultSampleRows, positive } from './delimited.js'
import { isObject, jsonReason } from './json.js'
import { locateJsonError } from './json-syntax.js'
import { sampleBudgetCharacters } from './streamed-table.js'
import { checkEncoding, utf8Chunks } from './text-encoding.js'
import type { ParseOutcome, ParseSource, ParsedTable, TableSink } from './types.js'
import { BOOLEAN, INTEGER, NULL, NUMBER, STRING, classifyValue, conform, unify } from './values.js'

interface Line {
  text: string
  number: number
}

/**
 * JSON Lines, streamed line by line. The columns are the union of the top-level keys of the first
 * `typeSampleRows` records (held back, at most 16 Mi characters of them); a key first seen after them is
 * refused with its line number, since the columns are announced before the first row. Lines holding scalars
 * instead of objects make one `value` column.
 */
export async function parseJsonLines(source: ParseSource, sink: TableSink): Promise<ParseOutcome> {
  const options = source.options ?? {}
  const sampleRows = positive(options, 'typeSampleRows') ?? defaultSampleRows
  const maxColumns = positive(options, 'maxColumns') ?? defaultMaxColumns
  const lines = splitLines(
    utf8Chunks(source.bytes, checkEncoding(options.encoding), source.fileName),
    positive(options, 'maxRecordBytes') ?? defaultMaxRecordBytes,
  )
  const sample: { value: unknown; line: number }[] = []
  let sampleCharacters = 0
  let table: JsonLinesTable | undefined
  for await (const line of lines) {
    const value = parseLine(line)
    if (table) {
      const pending = table.add(value, line.number)
      if (pending) await pending
      continue
    }
    sample.push({ value, line: line.number })
    sampleCharacters += line.text.length
    if (sample.length > sampleRows || sampleCharacters > sampleBudgetCharacters)
      table = await JsonLinesTable.start(sink, source.fileName, sample, maxColumns)
  }
  table ??= await JsonLinesTable.start(sink, source.fileName, sample, maxColumns)
  return { kind: 'table', tables: [await table.finish()] }
}

function parseLine(line: Line): unknown {
  try {
    return JSON.parse(line.text)
  } catch (error) {
    const { column } = locateJsonError(line.text)
    throw contentErrors.PARSE_MALFORMED_JSONL({ line: line.number, column, reason: jsonReason(error) }, error)
  }
}

class JsonLinesTable {
  private rowCount = 0
  private readonly kinds: Uint8Array
  private readonly nullable: boolean[]
  private readonly widenedAt: (number | undefined)[]

  private constructor(
    private readonly sink: TableSink,
    private readonly name: string,
    private readonly columns: string[],
    private readonly objects: boolean,
  ) {
    this.kinds = new Uint8Array(columns.length)
    this.nullable = new Array<boolean>(columns.length).fill(false)
    this.widenedAt = new Array<number | undefined>(columns.length)
  }

  static async start(
    sink: TableSink,
    fileName: string,
    sample: { value: unknown; line: number }[],
    maxColumns: number,
  ): Promise<JsonLinesTable> {
    const objects = sample.length > 0 && isObject(sample[0]?.value)
    const keys = new Set<string>()
    for (const { value, line } of sample) {
      if (isObject(value) !== objects) throw mixedLine(line, objects)
      if (objects) for (const key of Object.keys(value as object)) keys.add(key)
    }
    checkColumnCount(keys.size, maxColumns)
    const table = new JsonLinesTable(
      sink,
      tableNameFromFile(fileName),
      objects ? [...keys] : sample.length > 0 ? ['value'] : [],
      objects,
    )
    for (const { value } of sample) {
      const row = table.align(value, 0)
      row.forEach((cell, c) => table.observe(c, cell, false))
    }
    await sink.startTable({ name: table.name, columns: table.columns })
    for (const { value, line } of sample) {
      const pending = table.add(value, line)
      if (pending) await pending
    }
    return table
  }

  add(value: unknown, line: number): void | Promise<void> {
    const row = this.align(value, line)
    for (let c = 0; c < row.length; c++) row[c] = this.observe(c, row[c], true)
    this.rowCount++
    return this.sink.row(row)
  }

  async finish(): Promise<ParsedTable> {
    const columns = describeColumns(this.columns, this.kinds, this.nullable)
    columns.forEach((column, index) => {
      const row = this.widenedAt[index]
      if (row !== undefined) column.widenedAtRow = row
    })
    await this.sink.endTable({ columns, rowCount: this.rowCount })
    return { name: this.name, columns, rowCount: this.rowCount }
  }

  private align(value: unknown, line: number): unknown[] {
    if (!this.objects) {
      if (isObject(value)) throw mixedLine(line, false)
      return [value]
    }
    if (!isObject(value)) throw mixedLine(line, true)
    const row = new Array<unknown>(this.columns.length).fill(null)
    const keys = Object.keys(value)
    for (const key of keys) {
      const index = this.columns.indexOf(key)
      if (index < 0)
        throw contentErrors.PARSE_MALFORMED_JSONL({
          line,
          reason: `the key ${JSON.stringify(key)} first appears after the records that fixed the columns (raise typeSampleRows)`,
        })
      row[index] = value[key]
    }
    return row
  }

  private observe(c: number, value: unknown, streaming: boolean): unknown {
    const kind = classifyValue(value)
    if (kind === NULL) {
      this.nullable[c] = true
      return null
    }
    const before = this.kinds[c] ?? NULL
    const after = unify(before, kind)
    if (after !== before) {
      this.kinds[c] = after
      if (streaming && after === STRING && (before === INTEGER || before === NUMBER || before === BOOLEAN))
        this.widenedAt[c] = this.rowCount
    }
    return conform(after, value)
  }
}

function mixedLine(line: number, objects: boolean) {
  return contentErrors.PARSE_MALFORMED_JSONL({
    line,
    reason: objects
      ? 'this line is not a JSON object like the first one'
      : 'this line is an object, the first is not',
  })
}

/** Non-blank lines of the UTF-8 chunks with 1-based numbers; a line longer than `maxBytes` is refused. */
async function* splitLines(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Line> {
  let carry: Buffer[] = []
  let carryLength = 0
  let number = 0
  const finish = (part: Buffer): Line | undefined => {
    number++
    const whole = carry.length > 0 ? Buffer.concat([...carry, part]) : part
    carry = []
    carryLength = 0
    const text = whole.toString('utf8').replace(/\r$/, '')
    return text.trim() === '' ? undefined : { text, number }
  }
  for await (const chunk of chunks) {
    let start = 0
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
      if (carryLength + end - start > maxBytes) throw lineTooLong(number + 1, maxBytes)
      const line = finish(chunk.subarray(start, end))
      if (line) yield line
      start = end + 1
    }
    if (start < chunk.length) {
      carry.push(chunk.subarray(start))
      carryLength += chunk.length - start
      if (carryLength > maxBytes) throw lineTooLong(number + 1, maxBytes)
    }
  }
  if (carryLength > 0) {
    const line = finish(Buffer.alloc(0))
    if (line) yield line
  }
}

function lineTooLong(line: number, maxBytes: number) {
  return contentErrors.PARSE_TOO_LARGE({ line, reason: `line ${line} is longer than ${maxBytes} bytes` })
}
