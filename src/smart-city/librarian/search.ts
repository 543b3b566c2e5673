import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
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
import { type SearchQuery, parseQuery, toFts5Match, toTsquery } from './query.js'
import type { LibrarianTables } from './tables.js'

/**
 * Ranked search and filtered listing. Matching is the engine's (FTS5 MATCH or tsvector @@ over the analyzer's
 * tokens); ranking is one BM25F formula evaluated in SQL from the tenant's own statistics, written so both engines
 * compute it with the same IEEE double operations in the same order (every operand cast to double, the per-term
 * parts added left to right), then ordered by score and id. Same corpus, same scores, same order on both.
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

export const bm25 = { k1: 1.2, b: 0.75, titleWeight: 2 } as const
const maxOffset = 10_000

type Filter = RawBuilder<unknown>
type Row = LibrarianTables['lib_documents']
interface Window {
  limit: number
  offset: number
}

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
  const float = sql.raw(database.dialect === 'postgres' ? 'double precision' : 'real')
  const f = (value: number) => sql`cast(${value} as ${float})`

  async function statistics(actor: Actor, terms: string[]) {
    const tenant = await db
      .selectFrom('lib_tenant_stats')
      .selectAll()
      .where('tenant_id', '=', actor.tenantId)
      .executeTakeFirst()
    const rows = await db
      .selectFrom('lib_term_stats')
      .select(['term', 'df'])
      .where('tenant_id', '=', actor.tenantId)
      .where('term', 'in', terms)
      .execute()
    const df = new Map(rows.map((r) => [r.term, Number(r.df)]))
    const documents = Number(tenant?.documents ?? 0)
    const average = (total: number | undefined) => (documents > 0 ? Number(total ?? 0) / documents : 0)
    return { documents, df, avgTitle: average(tenant?.title_tokens), avgBody: average(tenant?.body_tokens) }
  }

  /**
   * The ranked matches. One posting row per query term is joined to each engine match (a left join, so an OR
   * match lacking a term still counts); a match with none of the tenant's postings is another tenant's document.
   * Score: Σ idf(t) · w·(k1+1)/(w+k1), w = title-weighted, length-normalised term frequency, each part cast to
   * double and added left to right, so both engines produce the same bits.
   */
  async function ranked(actor: Actor, query: SearchQuery, filters: Filter[], window: Window) {
    const stats = await statistics(actor, query.terms)
    const { k1, b, titleWeight } = bm25
    const norm = (average: number) => ({ base: 1 - b, perToken: average > 0 ? b / average : 0 })
    const title = norm(stats.avgTitle)
    const body = norm(stats.avgBody)
    const postgres = database.dialect === 'postgres'
    const aliases = query.terms.map((_, i) => sql.raw(`p${i}`))
    const joins = query.terms.map((term, i) => {
      const p = aliases[i]!
      const key = postgres ? sql`${p}.document_id = s.document_id` : sql`${p}.search_rowid = lib_search.rowid`
      return sql`left join lib_postings ${p} on ${p}.tenant_id = ${actor.tenantId} and ${p}.term = ${term} and ${key}`
    })
    const parts = query.terms.map((term, i) => {
      const p = aliases[i]!
      const df = stats.df.get(term) ?? 0
      const idf = Math.log(1 + (stats.documents - df + 0.5) / (df + 0.5))
      const w = sql`(${f(titleWeight)} * ${p}.tf_title / (${f(title.base)} + ${f(title.perToken)} * ${p}.title_len) + ${f(1)} * ${p}.tf_body / (${f(body.base)} + ${f(body.perToken)} * ${p}.body_len))`
      return sql`coalesce(${f(idf)} * ${w} * ${f(k1 + 1)} / (${w} + ${f(k1)}), ${f(0)})`
    })
    const id = sql`coalesce(${sql.join(
      aliases.map((p) => sql`${p}.document_id`),
      sql`, `,
    )}, '')`
    const filtered =
      filters.length === 0
        ? sql``
        : sql`join lib_documents d on d.id = ${id} and d.tenant_id = ${actor.tenantId} and ${sql.join(filters, sql` and `)}`
    const order = postgres ? sql`${id} collate "C"` : id
    const { limit, offset } = window
    return postgres
      ? sql`select ${id} as id, ${sql.join(parts, sql` + `)} as score
          from lib_search s ${sql.join(joins, sql` `)} ${filtered}
          where s.tokens @@ cast(${toTsquery(query)} as tsquery) and s.tenant_id = ${actor.tenantId} and ${id} <> ''
          order by score desc, ${order} limit ${limit} offset ${offset}`
      : sql`select ${id} as id, ${sql.join(parts, sql` + `)} as score
          from lib_search ${sql.join(joins, sql` `)} ${filtered}
          where lib_search match ${toFts5Match(query)} and ${id} <> ''
          order by score desc, ${order} limit ${limit} offset ${offset}`
  }

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
