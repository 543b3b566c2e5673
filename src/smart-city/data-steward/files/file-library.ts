import { Readable } from 'node:stream'
import type { Kysely } from 'kysely'
import type { Clock } from '../../../kernel/clock.js'
import { isPlatformError } from '../../../kernel/errors.js'
import { createTimeOrderedIdGenerator, type IdGenerator } from '../../../kernel/ids.js'
import type { Logger } from '../../../kernel/logger.js'
import type { PageRequest } from '../../../kernel/pagination.js'
import type { FileStore } from '../../../ports/file-store.js'
import type { PubSub } from '../../../ports/pub-sub.js'
import type { SqlDatabase } from '../../../ports/sql-database.js'
import { pageByCreation } from '../../../ports/sql-pagination.js'
import { ContentMismatch, createContentCheck } from './content-check.js'
import { type DeclaredType, parseDeclaredType } from './content-types.js'
import { fileErrors } from './errors.js'
import { sanitizeFileName } from './file-names.js'
import type { FileTables } from './tables.js'
import { type UploadProgress, createUploadProgress } from './upload-progress.js'

export type FileRole = 'data' | 'copybook'

export interface FileRecord {
  id: string
  tenantId: string
  /** The client's file name, sanitised for display; never used as a storage key. */
  name: string
  contentType: string
  size: number
  /** SHA-256 of the bytes, lower-case hex. */
  checksum: string
  role: FileRole
  /** The copybook uploaded with this data file, if any. */
  copybookId: string | null
  createdBy: string
  createdAt: number
}

export interface FileLibraryDeps {
  database: SqlDatabase
  files: FileStore
  pubSub: PubSub
  clock: Clock
  ids: IdGenerator
  logger: Logger
  settings: { maxUploadBytes: number }
}

/** One part of an upload as the transport hands it over, its bytes still streaming. */
export interface UploadPart {
  field: string
  filename: string | undefined
  declaredType: string
  body: AsyncIterable<Uint8Array>
}

/**
 * One upload in progress. `receive` each part in order (it resolves once the part's bytes are stored), then
 * `finish` to record the file; after any failure call `abort`, which removes every stored byte of the upload.
 */
export interface Upload {
  receive(part: UploadPart): Promise<void>
  finish(): Promise<FileRecord>
  /** `code` is the error answered, reported in the final progress event. */
  abort(code: string): Promise<void>
}

export interface FileLibrary {
  readonly maxUploadBytes: number
  beginUpload(input: { tenantId: string; createdBy: string; uploadId?: string | undefined }): Upload
  get(tenantId: string, id: string): Promise<FileRecord>
  /** The bytes of a file; FILE_RECORD_NOT_FOUND for an unknown id (or another tenant's). */
  open(tenantId: string, id: string): Promise<Readable>
  list(tenantId: string, page: PageRequest): Promise<{ items: FileRecord[]; nextCursor: string | null }>
  /** Removes the record and the bytes; deleting a data file deletes its copybook too. */
  delete(tenantId: string, id: string): Promise<void>
  /** Which of these ids are the tenant's files (for lineage). */
  existing(tenantId: string, ids: string[]): Promise<Set<string>>
}

/** A copybook is a small text file describing fixed-width records. */
export const copybookMaxBytes = 1024 * 1024
const copybookTypes = new Set(['text/plain', 'application/octet-stream'])

type Row = FileTables['ds_files']

export function storageKeyOf(tenantId: string, fileId: string): string {
  return `tenants/${tenantId}/files/${fileId}`
}

function toRecord(row: Row): FileRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size),
    checksum: row.checksum,
    role: row.role === 'copybook' ? 'copybook' : 'data',
    copybookId: row.copybook_id,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  }
}

/**
 * The Data Steward's files: uploads streamed into the file store under platform-made keys
 * (`tenants/<tenantId>/files/<fileId>`), checked against their declared type while they stream, with a record per
 * file in SQL. The bytes are written first and the record after, so a listed file always has its bytes; a failed
 * upload leaves neither.
 */
export function createFileLibrary(deps: FileLibraryDeps): FileLibrary {
  const db = deps.database.db as Kysely<FileTables>
  const { maxUploadBytes } = deps.settings
  // Files are listed newest first by (created_at, id): ids that sort by creation keep files stored in the same
  // millisecond in the order they came.
  const fileIds = createTimeOrderedIdGenerator(() => deps.clock.now())

  async function find(tenantId: string, id: string): Promise<Row> {
    const row = await db
      .selectFrom('ds_files')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) throw fileErrors.FILE_RECORD_NOT_FOUND({ id })
    return row
  }

  async function removeBytes(keys: string[]): Promise<void> {
    for (const key of keys) {
      try {
        await deps.files.delete(key)
      } catch (error) {
        deps.logger.warn({ err: error, key }, 'file bytes not removed')
      }
    }
  }

  function beginUpload(input: {
    tenantId: string
    createdBy: string
    uploadId?: string | undefined
  }): Upload {
    const { tenantId } = input
    const progress = createUploadProgress(deps, tenantId, input.uploadId)
    const stored: Row[] = []

    async function receive(part: UploadPart): Promise<void> {
      const role = roleOf(part.field)
      if (stored.some((row) => row.role === role)) {
        throw fileErrors.FILE_PART_UNEXPECTED({ part: part.field, reason: 'only one is accepted' })
      }
      const declared = declaredTypeOf(part, role)
      const id = fileIds.next('fil')
      const key = storageKeyOf(tenantId, id)
      const body = Readable.from(
        inspected(part.body, declared, part.field, role === 'data' ? progress : undefined),
      )
      const written = await deps.files.put(key, body, {
        maxBytes: role === 'data' ? maxUploadBytes : Math.min(maxUploadBytes, copybookMaxBytes),
      })
      stored.push({
        id,
        tenant_id: tenantId,
        name: sanitizeFileName(part.filename),
        content_type: declared.mime,
        size: written.size,
        checksum: written.sha256 ?? '',
        role,
        copybook_id: null,
        storage_key: key,
        created_by: input.createdBy,
        created_at: deps.clock.now(),
      })
    }

    async function finish(): Promise<FileRecord> {
      const data = stored.find((row) => row.role === 'data')
      if (!data) throw fileErrors.FILE_PART_MISSING()
      const copybook = stored.find((row) => row.role === 'copybook')
      const dataRow: Row = { ...data, copybook_id: copybook?.id ?? null }
      await deps.database.transaction(async (trx) => {
        if (copybook) await trx.insertInto('ds_files').values(copybook).execute()
        await trx.insertInto('ds_files').values(dataRow).execute()
      })
      await progress.finish({ state: 'stored', fileId: dataRow.id })
      return toRecord(dataRow)
    }

    async function abort(code: string): Promise<void> {
      await removeBytes(stored.map((row) => row.storage_key))
      stored.length = 0
      await progress.finish({ state: 'failed', code })
    }

    return { receive, finish, abort }
  }

  return {
    maxUploadBytes,
    beginUpload,
    async get(tenantId, id) {
      return toRecord(await find(tenantId, id))
    },
    async open(tenantId, id) {
      const row = await find(tenantId, id)
      return deps.files.get(row.storage_key)
    },
    async existing(tenantId, ids) {
      if (ids.length === 0) return new Set()
      const rows = await db
        .selectFrom('ds_files')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', ids)
        .execute()
      return new Set(rows.map((row) => row.id))
    },
    list(tenantId, page) {
      return pageByCreation(
        db.selectFrom('ds_files').selectAll().where('tenant_id', '=', tenantId),
        page,
        toRecord,
        true,
      )
    },
    async delete(tenantId, id) {
      const doomed = await deps.database.transaction(async (trx) => {
        const files = trx as unknown as Kysely<FileTables>
        const row = await files
          .selectFrom('ds_files')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst()
        if (!row) throw fileErrors.FILE_RECORD_NOT_FOUND({ id })
        const rows = [row]
        if (row.copybook_id !== null) {
          const copybook = await files
            .selectFrom('ds_files')
            .selectAll()
            .where('tenant_id', '=', tenantId)
            .where('id', '=', row.copybook_id)
            .executeTakeFirst()
          if (copybook) rows.push(copybook)
        }
        await files
          .deleteFrom('ds_files')
          .where('tenant_id', '=', tenantId)
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute()
        await files
          .updateTable('ds_files')
          .set({ copybook_id: null })
          .where('tenant_id', '=', tenantId)
          .where('copybook_id', '=', id)
          .execute()
        return rows
      })
      await removeBytes(doomed.map((r) => r.storage_key))
    },
  }
}

function roleOf(field: string): FileRole {
  if (field === 'file') return 'data'
  if (field === 'copybook') return 'copybook'
  throw fileErrors.FILE_PART_UNEXPECTED({
    part: field.slice(0, 64),
    reason: 'only `file` and `copybook` parts are accepted',
  })
}

function declaredTypeOf(part: UploadPart, role: FileRole): DeclaredType {
  const unsupported = () =>
    fileErrors.FILE_TYPE_UNSUPPORTED({ part: part.field, contentType: part.declaredType.slice(0, 128) })
  const declared = parseDeclaredType(part.declaredType)
  if (!declared) throw unsupported()
  if (role === 'data') return declared
  // A copybook is COBOL source: text, whatever the client called it.
  if (!copybookTypes.has(declared.mime)) throw unsupported()
  return { mime: 'text/plain', family: { kind: 'text', json: false } }
}

/**
 * The part's bytes on their way to the file store, checked against the declared type and counted for progress.
 * Throwing here aborts the store's `put`, which then keeps nothing.
 */
async function* inspected(
  body: AsyncIterable<Uint8Array>,
  declared: DeclaredType,
  part: string,
  progress: UploadProgress | undefined,
): AsyncGenerator<Uint8Array> {
  const check = createContentCheck(declared)
  try {
    for await (const chunk of body) {
      await check.feed(chunk)
      await progress?.received(chunk.byteLength)
      yield chunk
    }
    await check.end()
  } catch (error) {
    if (error instanceof ContentMismatch) {
      throw fileErrors.FILE_TYPE_MISMATCH({ part, contentType: declared.mime, reason: error.message })
    }
    if (isPlatformError(error)) throw error
    throw fileErrors.FILE_UPLOAD_MALFORMED(
      { reason: error instanceof Error ? error.message : 'unreadable part' },
      error,
    )
  }
}
