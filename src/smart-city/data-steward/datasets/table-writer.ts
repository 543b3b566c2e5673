import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import type { StoredFile } from '../../../ports/file-store.js'
import { dataStewardErrors } from '../errors.js'
import { type ColumnInfo, createColumnTracker } from './columns.js'
import { jsonValuesLine } from './row-lines.js'

/**
 * A streaming writer of one table dataset's rows. Rows are serialised to JSON lines, gathered into chunks of about
 * `chunkChars` and pushed into the file store's `put` as they fill, so memory stays bounded by one chunk plus the
 * stream's buffer whatever the table's size; `write` waits only when the store falls behind (backpressure).
 * Nothing is visible until `finish` commits (stores the record); `abort` or a failed write leaves no blob, and a
 * failed commit must remove the blob itself.
 */
export interface TableWriter<T> {
  readonly id: string
  /**
   * Answers a promise only when the row must be waited for (a chunk waits for the store, or the row is refused);
   * otherwise undefined, so a producer pays for no await per row. Await what it answers (or `createTable` does).
   */
  write(row: Record<string, unknown>): Promise<void> | undefined
  /**
   * Writes a row given as values aligned to the `columnNames` the writer was opened with, each already written
   * as JSON text, which the producer vouches for (they are not checked); stored as the object keyed by those
   * names (a missing value is null). Answers as `write` does; fails without `columnNames`.
   */
  writeJsonValues(jsonValues: readonly string[]): Promise<void> | undefined
  /**
   * Writes `rows` rows given as their JSON lines in UTF-8, each what `jsonValuesLine(columnNames)` (row-lines.ts)
   * makes of the row's JSON values, which the producer vouches for (they are not checked). For producers that build
   * lines elsewhere (worker threads); a promise to await, answered once the store took the bytes or buffered them.
   */
  writeJsonLines(lines: Uint8Array, rows: number): Promise<void>
  /** Closes the rows; `columns` declares them (otherwise they are learnt from the rows written). */
  finish(columns?: ColumnInfo[]): Promise<T>
  abort(): Promise<void>
}

export interface TableWriteResult {
  columns: ColumnInfo[]
  rowCount: number
  stored: StoredFile
}

const chunkChars = 256 * 1024
const streamBufferBytes = 1024 * 1024

function isPlainRow(row: unknown): row is Record<string, unknown> {
  return typeof row === 'object' && row !== null && !Array.isArray(row)
}

function serialise(row: unknown, index: number): string {
  if (!isPlainRow(row)) throw dataStewardErrors.DATASET_ROW_INVALID({ index, reason: 'not an object' })
  try {
    return JSON.stringify(row)
  } catch (error) {
    throw dataStewardErrors.DATASET_ROW_INVALID({
      index,
      reason: error instanceof Error ? error.message : 'not serialisable',
    })
  }
}

export interface TableStreamOptions {
  /**
   * The producer promises to pass `finish` its columns, so rows are not inspected to learn them (which costs a
   * type check of every value); `finish` without columns then fails.
   */
  columnsDeclared?: boolean
  /** The rows' keys in order, for `writeJsonValues`; implies `columnsDeclared`. */
  columnNames?: readonly string[]
}

export function openTableStream<T>(
  id: string,
  put: (body: PassThrough) => Promise<StoredFile>,
  commit: (result: TableWriteResult) => Promise<T>,
  options: TableStreamOptions = {},
): TableWriter<T> {
  const jsonLine = options.columnNames === undefined ? undefined : jsonValuesLine(options.columnNames)
  const stream = new PassThrough({ highWaterMark: streamBufferBytes })
  const stored = put(stream)
  // Settles with the put's failure only; keeps a failed put from being an unhandled rejection meanwhile.
  const failed = stored.then(
    () => new Promise<never>(() => undefined),
    (error: unknown) => Promise.reject(error instanceof Error ? error : new Error(String(error))),
  )
  failed.catch(() => undefined)
  const tracker = options.columnsDeclared || jsonLine ? undefined : createColumnTracker()
  let pending = ''
  let rowCount = 0
  let state: 'open' | 'finished' | 'aborted' = 'open'

  const assertOpen = () => {
    if (state !== 'open') throw dataStewardErrors.DATASET_WRITER_CLOSED({ state })
  }

  async function flush(): Promise<void> {
    if (pending.length === 0) return
    const chunk = pending
    pending = ''
    if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), failed])
  }

  async function abort(): Promise<void> {
    if (state !== 'open') return
    state = 'aborted'
    pending = ''
    stream.destroy(new Error('dataset write aborted'))
    await stored.catch(() => undefined)
  }

  const refused = (error: unknown) =>
    Promise.reject(error instanceof Error ? error : new Error(String(error)))

  return {
    id,
    write(row) {
      try {
        assertOpen()
        const line = serialise(row, rowCount)
        tracker?.observe(row)
        pending += `${line}\n`
        rowCount++
      } catch (error) {
        return refused(error)
      }
      return pending.length >= chunkChars ? flush() : undefined
    },
    writeJsonValues(jsonValues) {
      try {
        assertOpen()
        if (jsonLine === undefined)
          throw new Error('writeJsonValues needs the columnNames the writer is opened with')
        pending += jsonLine(jsonValues)
        rowCount++
      } catch (error) {
        return refused(error)
      }
      return pending.length >= chunkChars ? flush() : undefined
    },
    async writeJsonLines(lines, rows) {
      assertOpen()
      if (jsonLine === undefined)
        throw new Error('writeJsonLines needs the columnNames the writer is opened with')
      rowCount += rows
      await flush()
      if (!stream.write(lines)) await Promise.race([once(stream, 'drain'), failed])
    },
    async finish(columns) {
      assertOpen()
      try {
        await flush()
        stream.end()
        const declared = columns ?? tracker?.columns()
        if (declared === undefined) throw new Error('the columns of this table must be passed to finish')
        const result = { columns: declared, rowCount, stored: await stored }
        state = 'finished'
        return await commit(result)
      } catch (error) {
        await abort()
        throw error
      }
    },
    abort,
  }
}
