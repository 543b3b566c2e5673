import type { Kysely, Transaction } from 'kysely'
import type { Clock } from '../../kernel/clock.js'
import type { IdGenerator } from '../../kernel/ids.js'
import { type PageRequest, decodeCursor, pageSize, toPage } from '../../kernel/pagination.js'
import type { AnyDatabase, SqlDatabase } from '../../ports/sql-database.js'
import { librarianErrors } from './errors.js'
import { type Indexed, analyzeDocument, createSearchIndex } from './search-index.js'
import type { LibrarianDb, LibrarianTables } from './tables.js'
import { type DocumentInput, type Scalar, type ValidDocument, validateDocument } from './validate.js'

/** Who acts: a tenant and a user (a route's principal, or a service acting for a user). */
export interface Actor {
  tenantId: string
  userId: string
}

export interface DocumentRecord {
  id: string
  collection: string
  title: string
  body: string
  metadata: Record<string, Scalar>
  tags: string[]
  version: number
  createdAt: number
  createdBy: string
  updatedAt: number
  updatedBy: string
}

export interface DocumentVersion {
  version: number
  collection: string
  title: string
  body: string
  metadata: Record<string, Scalar>
  tags: string[]
  changedAt: number
  changedBy: string
}

/** A replacement: the collection stays when left out; metadata and tags left out become empty. */
export type DocumentUpdate = Omit<DocumentInput, 'collection'> & { collection?: string }

export interface DocumentsDeps {
  database: SqlDatabase
  clock: Clock
  ids: IdGenerator
  maxBodyBytes: number
}

type Row = LibrarianTables['lib_documents']

const chunkSize = 200
function chunks<T>(items: T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += chunkSize) out.push(items.slice(i, i + chunkSize))
  return out
}

const indexedOf = (row: Row): Indexed => ({
  documentId: row.id,
  searchRowid: row.search_rowid === null ? null : Number(row.search_rowid),
})

export function documentRecord(row: Row): DocumentRecord {
  return {
    id: row.id,
    collection: row.collection,
    title: row.title,
    body: row.body,
    metadata: JSON.parse(row.metadata) as Record<string, Scalar>,
    tags: JSON.parse(row.tags) as string[],
    version: Number(row.version),
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  }
}

/**
 * Documents with every version kept. Each write is one transaction that also updates the filter rows and the
 * search index, so a created, changed or deleted document is searchable (or gone) as soon as the call returns.
 */
export function createDocuments(deps: DocumentsDeps) {
  const db = deps.database.db as Kysely<LibrarianTables>
  const index = createSearchIndex(deps.database.dialect)

  async function writeFilters(trx: LibrarianDb, tenantId: string, docs: [string, ValidDocument][]) {
    const tags = docs.flatMap(([id, doc]) =>
      doc.tags.map((tag) => ({ document_id: id, tag, tenant_id: tenantId })),
    )
    for (const chunk of chunks(tags)) await trx.insertInto('lib_document_tags').values(chunk).execute()
    const metadata = docs.flatMap(([id, doc]) =>
      Object.entries(doc.metadata).map(([key, value]) => ({
        document_id: id,
        key,
        value: String(value),
        tenant_id: tenantId,
      })),
    )
    for (const chunk of chunks(metadata))
      await trx.insertInto('lib_document_metadata').values(chunk).execute()
  }

  async function clearFilters(trx: LibrarianDb, id: string) {
    await trx.deleteFrom('lib_document_tags').where('document_id', '=', id).execute()
    await trx.deleteFrom('lib_document_metadata').where('document_id', '=', id).execute()
  }

  async function addVersions(trx: LibrarianDb, rows: Row[]) {
    const versions = rows.map((row) => ({
      document_id: row.id,
      version: row.version,
      tenant_id: row.tenant_id,
      collection: row.collection,
      title: row.title,
      body: row.body,
      metadata: row.metadata,
      tags: row.tags,
      changed_at: row.updated_at,
      changed_by: row.updated_by,
    }))
    for (const chunk of chunks(versions))
      await trx.insertInto('lib_document_versions').values(chunk).execute()
  }

  async function insertAll(
    trx: Transaction<AnyDatabase>,
    actor: Actor,
    docs: ValidDocument[],
  ): Promise<Row[]> {
    const t = trx as Transaction<LibrarianTables>
    const now = deps.clock.now()
    const analyses = docs.map((doc) => analyzeDocument(doc.title, doc.body))
    const rows: Row[] = docs.map((doc, i) => ({
      id: deps.ids.next('doc'),
      tenant_id: actor.tenantId,
      collection: doc.collection,
      title: doc.title,
      body: doc.body,
      metadata: JSON.stringify(doc.metadata),
      tags: JSON.stringify(doc.tags),
      version: 1,
      title_len: analyses[i]!.titleTerms.length,
      body_len: analyses[i]!.bodyTerms.length,
      search_rowid: null,
      created_at: now,
      created_by: actor.userId,
      updated_at: now,
      updated_by: actor.userId,
    }))
    const rowids = await index.apply(
      trx,
      actor.tenantId,
      rows.map((row, i) => ({ indexed: { documentId: row.id, searchRowid: null }, after: analyses[i]! })),
    )
    rows.forEach((row, i) => (row.search_rowid = rowids[i] ?? null))
    for (const chunk of chunks(rows)) await t.insertInto('lib_documents').values(chunk).execute()
    await writeFilters(
      t,
      actor.tenantId,
      rows.map((row, i) => [row.id, docs[i]!]),
    )
    await addVersions(t, rows)
    return rows
  }

  async function requireRow(store: LibrarianDb, actor: Actor, id: string, lock = false): Promise<Row> {
    let query = store
      .selectFrom('lib_documents')
      .selectAll()
      .where('tenant_id', '=', actor.tenantId)
      .where('id', '=', id)
    if (lock && deps.database.dialect === 'postgres') query = query.forUpdate()
    const row = await query.executeTakeFirst()
    if (!row) throw librarianErrors.DOCUMENT_NOT_FOUND({ id })
    return row
  }

  function checkVersion(row: Row, ifMatch: number | undefined) {
    if (ifMatch !== undefined && ifMatch !== Number(row.version))
      throw librarianErrors.DOCUMENT_VERSION_CONFLICT({ current: Number(row.version), expected: ifMatch })
  }

  return {
    async create(actor: Actor, input: DocumentInput): Promise<DocumentRecord> {
      const doc = validateDocument(input, deps.maxBodyBytes)
      const [row] = await deps.database.transaction((trx) => insertAll(trx, actor, [doc]))
      return documentRecord(row!)
    },

    /** Several documents in one transaction (bulk indexing): all are stored, or none. */
    async createMany(actor: Actor, inputs: DocumentInput[]): Promise<DocumentRecord[]> {
      const docs = inputs.map((input) => validateDocument(input, deps.maxBodyBytes))
      const rows = await deps.database.transaction((trx) => insertAll(trx, actor, docs))
      return rows.map(documentRecord)
    },

    async get(actor: Actor, id: string): Promise<DocumentRecord> {
      return documentRecord(await requireRow(db, actor, id))
    },

    async update(actor: Actor, id: string, input: DocumentUpdate, ifMatch?: number): Promise<DocumentRecord> {
      const collection = input.collection ?? (await requireRow(db, actor, id)).collection
      const doc = validateDocument({ ...input, collection }, deps.maxBodyBytes)
      const row = await deps.database.transaction(async (trx) => {
        const t = trx as Transaction<LibrarianTables>
        const old = await requireRow(t, actor, id, true)
        checkVersion(old, ifMatch)
        const analysis = analyzeDocument(doc.title, doc.body)
        const next: Row = {
          ...old,
          collection: doc.collection,
          title: doc.title,
          body: doc.body,
          metadata: JSON.stringify(doc.metadata),
          tags: JSON.stringify(doc.tags),
          version: Number(old.version) + 1,
          title_len: analysis.titleTerms.length,
          body_len: analysis.bodyTerms.length,
          updated_at: deps.clock.now(),
          updated_by: actor.userId,
        }
        const [rowid] = await index.apply(trx, actor.tenantId, [
          { indexed: indexedOf(old), before: analyzeDocument(old.title, old.body), after: analysis },
        ])
        next.search_rowid = rowid ?? null
        const { id: _id, tenant_id: _tenant, created_at: _at, created_by: _by, ...changes } = next
        const updated = await t
          .updateTable('lib_documents')
          .set(changes)
          .where('id', '=', id)
          .where('version', '=', old.version)
          .executeTakeFirst()
        if (Number(updated.numUpdatedRows) !== 1)
          throw librarianErrors.DOCUMENT_VERSION_CONFLICT({ current: 'newer', expected: Number(old.version) })
        await clearFilters(t, id)
        await writeFilters(t, actor.tenantId, [[id, doc]])
        await addVersions(t, [next])
        return next
      })
      return documentRecord(row)
    },

    async delete(actor: Actor, id: string, ifMatch?: number): Promise<void> {
      await deps.database.transaction(async (trx) => {
        const t = trx as Transaction<LibrarianTables>
        const old = await requireRow(t, actor, id, true)
        checkVersion(old, ifMatch)
        await index.apply(trx, actor.tenantId, [
          { indexed: indexedOf(old), before: analyzeDocument(old.title, old.body) },
        ])
        await clearFilters(t, id)
        await t.deleteFrom('lib_document_versions').where('document_id', '=', id).execute()
        await t.deleteFrom('lib_documents').where('id', '=', id).execute()
      })
    },

    /** The kept versions, oldest first; `?cursor=` continues after the last version of the previous page. */
    async versions(actor: Actor, id: string, page: PageRequest) {
      await requireRow(db, actor, id)
      const limit = pageSize(page.limit)
      const after = decodeCursor(page.cursor)
      let query = db
        .selectFrom('lib_document_versions')
        .selectAll()
        .where('tenant_id', '=', actor.tenantId)
        .where('document_id', '=', id)
      if (after) query = query.where('version', '>', after.at)
      const rows = await query
        .orderBy('version')
        .limit(limit + 1)
        .execute()
      return toPage(
        rows,
        limit,
        (row) => ({ at: Number(row.version), id }),
        (row): DocumentVersion => ({
          version: Number(row.version),
          collection: row.collection,
          title: row.title,
          body: row.body,
          metadata: JSON.parse(row.metadata) as Record<string, Scalar>,
          tags: JSON.parse(row.tags) as string[],
          changedAt: Number(row.changed_at),
          changedBy: row.changed_by,
        }),
      )
    },
  }
}

export type Documents = ReturnType<typeof createDocuments>
