import { type Kysely, type SqlBool, sql } from 'kysely'
import {
  type PageRequest,
  decodeCursor,
  encodeCursor,
  pageSize,
  paginationErrors,
} from '../../kernel/pagination.js'
import { pageByCreation } from '../../ports/sql-pagination.js'
import type { SqlDatabase } from '../../ports/sql-database.js'
import { type Actor, type DocumentRecord, documentRecord } from './documents.js'
import { librarianErrors } from './errors.js'
import { type Highlights, highlight } from './highlight.js'
import { type SearchQuery, parseQuery } from './query.js'
import { type Filter, type Window, createRanking } from './ranking.js'
import type { LibrarianTables } from './tables.js'

/**
 * Ranked search (the ranked ids from `ranking.ts` joined to the page's rows, with highlights) and filtered listing.
 */
export interface SearchFilters {
  collection?: string
  /** Every tag must be on the document. */
  tags?: string[]
  /** Exact match on the canonical text of a scalar (`String(value)`: `12`, `true`, `blue`). */
  metadata?: Record<string, string>
}

export interface SearchRequest extends SearchFilters {
  q?: string
  limit?: number
  cursor?: string
  offset?: number
}

export type DocumentSummary = Omit<DocumentRecord, 'body'>
export interface SearchHit extends DocumentSummary {
  score: number
  highlights: Highlights
}

export interface SearchPage {
  items: (DocumentSummary | SearchHit)[]
  nextCursor: string | null
}

const maxOffset = 10_000

type Row = LibrarianTables['lib_documents']

/** Conditions on the document row `d` beyond its tenant. */
function filterConditions(filters: SearchFilters): Filter[] {
  const out: Filter[] = []
  if (filters.collection !== undefined) out.push(sql`d.collection = ${filters.collection}`)
  for (const tag of filters.tags ?? [])
    out.push(sql`exists (select 1 from lib_document_tags t where t.document_id = d.id and t.tag = ${tag})`)
  for (const [key, value] of Object.entries(filters.metadata ?? {}))
    out.push(
      sql`exists (select 1 from lib_document_metadata m where m.document_id = d.id and m.key = ${key} and m.value = ${value})`,
    )
  return out
}

function summary(record: DocumentRecord): DocumentSummary {
  const { body: _body, ...rest } = record
  return rest
}

function offsetOf(request: SearchRequest): number {
  if (request.cursor !== undefined && request.cursor !== '') {
    const key = decodeCursor(request.cursor)
    if (!key || key.id !== 'offset' || key.at < 0 || key.at > maxOffset)
      throw paginationErrors.INVALID_CURSOR()
    return key.at
  }
  const offset = request.offset ?? 0
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > maxOffset)
    throw librarianErrors.SEARCH_FILTER_INVALID({ parameter: 'offset', reason: `0 to ${maxOffset}` })
  return offset
}

export function createSearch(database: SqlDatabase) {
  const db = database.db as Kysely<LibrarianTables>
  const { ranked } = createRanking(database)

  async function rankedIds(actor: Actor, query: SearchQuery, filters: Filter[], window: Window) {
    const result = await (await ranked(actor, query, filters, window)).execute(db)
    return (result.rows as { id: string; score: number }[]).map((r) => ({ id: r.id, score: Number(r.score) }))
  }

  async function search(actor: Actor, request: SearchRequest, query: SearchQuery): Promise<SearchPage> {
    const limit = pageSize(request.limit)
    const offset = offsetOf(request)
    const inner = await ranked(actor, query, filterConditions(request), { limit: limit + 1, offset })
    const order = database.dialect === 'postgres' ? sql`r.id collate "C"` : sql`r.id`
    const result = await sql<Row & { score: number }>`select r.score, d.* from (${inner}) r
      join lib_documents d on d.id = r.id order by r.score desc, ${order}`.execute(db)
    const rows = result.rows
    const items: SearchHit[] = rows.slice(0, limit).map((row) => {
      const record = documentRecord(row)
      return {
        ...summary(record),
        score: Number(row.score),
        highlights: highlight(record.title, record.body, query.terms),
      }
    })
    const next = rows.length > limit ? encodeCursor({ at: offset + limit, id: 'offset' }) : null
    return { items, nextCursor: next }
  }

  /** Newest first by (created_at, id) keyset; a ranked search's cursor or an offset belongs to `q` only. */
  async function list(actor: Actor, request: SearchRequest): Promise<SearchPage> {
    if (request.offset !== undefined)
      throw librarianErrors.SEARCH_FILTER_INVALID({
        parameter: 'offset',
        reason: 'offset pages a search (q)',
      })
    if (request.cursor !== undefined && decodeCursor(request.cursor)?.id === 'offset')
      throw paginationErrors.INVALID_CURSOR()
    const conditions = [sql`d.tenant_id = ${actor.tenantId}`, ...filterConditions(request)]
    const query = db
      .selectFrom('lib_documents as d')
      .selectAll()
      .where(sql<SqlBool>`${sql.join(conditions, sql` and `)}`)
    const page: PageRequest = {
      ...(request.limit !== undefined && { limit: request.limit }),
      ...(request.cursor !== undefined && { cursor: request.cursor }),
    }
    return pageByCreation(query, page, (row) => summary(documentRecord(row)), true)
  }

  return {
    /** With `q`: ranked matches with highlights. Without: the filtered documents, newest first. */
    async query(actor: Actor, request: SearchRequest): Promise<SearchPage> {
      if (request.q === undefined || request.q.trim() === '') return list(actor, request)
      return search(actor, request, parseQuery(request.q))
    },
    /** The ranked ids alone (no rows, no highlights): what the benchmark compares with the raw engine query. */
    async rankedIds(actor: Actor, q: string, filters: SearchFilters = {}, limit = 10) {
      return rankedIds(actor, parseQuery(q), filterConditions(filters), { limit, offset: 0 })
    },
  }
}

export type Search = ReturnType<typeof createSearch>
