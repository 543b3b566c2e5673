import { contentErrors } from '../../errors.js'
import { tableNameFromFile } from '../columns.js'
import { defaultMaxColumns, positive } from '../delimited.js'
import { checkEncoding } from '../text-encoding.js'
import type { ColumnInfo, ParseOptions, ParseOutcome, ParseSource, TableSink } from '../types.js'
import { parseCopybook, type CopybookLayout } from './copybook-layout.js'
import { ebcdicChar } from './ebcdic.js'
import { BadFieldData, decodeField, type CharOf } from './field-decoding.js'

const latin1Char: CharOf = (byte) => String.fromCharCode(byte)

/**
 * Fixed-width records described by a COBOL copybook, streamed record by record. Data is EBCDIC (cp037) unless
 * `encoding` is ascii/latin1/utf-8 (read one byte per character). Records are `fixed` (back to back) or
 * `newline` terminated; without `recordFormat` a line break right after the first record selects `newline`
 * (only safe for layouts without binary or packed fields, whose bytes may look like line breaks). Column
 * types come from the PICs, so every row agrees with them.
 */
export async function parseCopybookData(
  source: ParseSource,
  copybook: string,
  sink: TableSink,
): Promise<ParseOutcome> {
  const options = source.options ?? {}
  const layout = parseCopybook(copybook, {
    ...(options.recordName !== undefined ? { recordName: options.recordName } : {}),
    maxColumns: positive(options, 'maxColumns') ?? defaultMaxColumns,
  })
  const encoding = checkEncoding(options.encoding) ?? 'ebcdic'
  if (!['ebcdic', 'cp037', 'ascii', 'latin1', 'utf-8'].includes(encoding))
    throw contentErrors.PARSE_INVALID_OPTION({
      option: 'encoding',
      reason: 'copybook data is ebcdic (cp037) or single-byte ascii/latin1',
    })
  const ebcdic = encoding === 'ebcdic' || encoding === 'cp037'
  const name = tableNameFromFile(source.fileName)
  const reader = new RecordReader(name, layout, sink, {
    charOf: ebcdic ? ebcdicChar : latin1Char,
    spaceByte: ebcdic ? 0x40 : 0x20,
  })
  await readRecords(source.bytes, layout.recordLength, options.recordFormat, (record) => reader.read(record))
  if (reader.count === 0) throw contentErrors.PARSE_EMPTY_FILE({ fileName: source.fileName })
  const columns = layout.fields.map((field, index): ColumnInfo => ({
    name: field.name,
    type: field.type,
    nullable: reader.nullable[index] ?? false,
  }))
  await sink.endTable({ columns, rowCount: reader.count })
  return { kind: 'table', tables: [{ name, columns, rowCount: reader.count }] }
}

class RecordReader {
  count = 0
  readonly nullable: boolean[]
  private started = false

  constructor(
    private readonly name: string,
    private readonly layout: CopybookLayout,
    private readonly sink: TableSink,
    private readonly characters: { charOf: CharOf; spaceByte: number },
  ) {
    this.nullable = layout.fields.map(() => false)
  }

  read(record: Uint8Array): void | Promise<void> {
    if (!this.started) return this.startThenRead(record)
    const fields = this.layout.fields
    const values = new Array<unknown>(fields.length)
    this.count++
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!
      try {
        values[f] = decodeField(field, record, this.characters.charOf, this.characters.spaceByte)
      } catch (error) {
        if (!(error instanceof BadFieldData)) throw error
        throw contentErrors.COPYBOOK_BAD_FIELD_DATA({
          record: this.count,
          field: field.name,
          reason: error.message,
        })
      }
      if (values[f] === null) this.nullable[f] = true
    }
    return this.sink.row(values)
  }

  private async startThenRead(record: Uint8Array): Promise<void> {
    this.started = true
    await this.sink.startTable({ name: this.name, columns: this.layout.fields.map((field) => field.name) })
    const pending = this.read(record)
    if (pending) await pending
  }
}

type OnRecord = (record: Uint8Array) => void | Promise<void>

/** Cuts the byte stream into records, holding at most one chunk plus one record in memory. */
async function readRecords(
  bytes: AsyncIterable<Uint8Array>,
  recordLength: number,
  requested: ParseOptions['recordFormat'],
  onRecord: OnRecord,
): Promise<void> {
  if (requested !== undefined && requested !== 'fixed' && requested !== 'newline')
    throw contentErrors.PARSE_INVALID_OPTION({ option: 'recordFormat', reason: 'give fixed or newline' })
  let format = requested
  let pending = Buffer.alloc(0)
  let records = 0
  const mismatch = (actual: number) =>
    contentErrors.COPYBOOK_RECORD_MISMATCH({ record: records + 1, actual, expected: recordLength })
  const consume = async (final: boolean) => {
    let offset = 0
    if (format === 'fixed') {
      while (pending.length - offset >= recordLength) {
        records++
        const done = onRecord(pending.subarray(offset, offset + recordLength))
        if (done) await done
        offset += recordLength
      }
      if (final && pending.length > offset) throw mismatch(pending.length - offset)
    } else {
      for (;;) {
        let end = pending.indexOf(0x0a, offset)
        if (end < 0) {
          if (pending.length - offset > recordLength + 1) throw mismatch(pending.length - offset)
          if (!final || pending.length === offset) break
          end = pending.length
        }
        const line = pending.subarray(offset, end > offset && pending[end - 1] === 0x0d ? end - 1 : end)
        offset = Math.min(end + 1, pending.length)
        if (line.length === 0) continue
        if (line.length !== recordLength) throw mismatch(line.length)
        records++
        const done = onRecord(line)
        if (done) await done
      }
    }
    pending = pending.subarray(offset)
  }
  for await (const chunk of bytes) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk])
    if (format === undefined) {
      if (pending.length < recordLength + 2) continue
      format = endsRecordWithNewline(pending, recordLength) ? 'newline' : 'fixed'
    }
    await consume(false)
  }
  format ??= endsRecordWithNewline(pending, recordLength) ? 'newline' : 'fixed'
  await consume(true)
}

function endsRecordWithNewline(data: Buffer, recordLength: number): boolean {
  return data[recordLength] === 0x0a || (data[recordLength] === 0x0d && data[recordLength + 1] === 0x0a)
}
