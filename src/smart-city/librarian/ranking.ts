import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { SqlDatabase } from '../../ports/sql-database.js'
import type { Actor } from './documents.js'
import { type SearchQuery, toFts5Match, toTsquery } from './query.js'
import type { LibrarianTables } from './tables.js'

/**
 * The ranked-matches SQL. Matching is the engine's (FTS5 MATCH or tsvector @@ over the analyzer's tokens), except
 * on PostgreSQL for a query of plain words (no phrase, no exclusion), whose matches are exactly the documents with
 * postings for the words its groups require: that query reads the postings alone and never scans the tsvectors.
 * Ranking is one BM25F formula evaluated in SQL from the tenant's own statistics, written so both engines compute
 * it with the same IEEE double operations in the same order (every operand cast to double, the per-term parts
 * added left to right in query-term order), then ordered by score and id. Same corpus, same scores, same order.
 */
export const bm25 = { k1: 1.2, b: 0.75, titleWeight: 2 } as const

export type Filter = RawBuilder<unknown>
export interface Window {
  limit: number
  offset: number
}

interface Statistics {
  documents: number
  df: Map<string, number>
  avgTitle: number
  avgBody: number
}

/** A query of single words only: every match is a document holding one term of each group. */
const isPlainWords = (query: SearchQuery) =>
  query.mustNot.length === 0 && query.must.every((group) => group.every((phrase) => phrase.length === 1))

export function createRanking(database: SqlDatabase) {
  const db = database.db as Kysely<LibrarianTables>
  const postgres = database.dialect === 'postgres'
  const float = sql.raw(postgres ? 'double precision' : 'real')
  const f = (value: number) => sql`cast(${value} as ${float})`

  async function statistics(actor: Actor, terms: string[]): Promise<Statistics> {
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
   * Score: Σ idf(t) · w·(k1+1)/(w+k1), w = title-weighted, length-normalised term frequency, one part per query
   * term read from that term's posting row `p<i>` (absent for an OR match lacking the term: 0).
   */
  function score(query: SearchQuery, stats: Statistics) {
    const { k1, b, titleWeight } = bm25
    const norm = (average: number) => ({ base: 1 - b, perToken: average > 0 ? b / average : 0 })
    const title = norm(stats.avgTitle)
    const body = norm(stats.avgBody)
    const parts = query.terms.map((term, i) => {
      const p = sql.raw(`p${i}`)
      const df = stats.df.get(term) ?? 0
      const idf = Math.log(1 + (stats.documents - df + 0.5) / (df + 0.5))
      const w = sql`(${f(titleWeight)} * ${p}.tf_title / (${f(title.base)} + ${f(title.perToken)} * ${p}.title_len) + ${f(1)} * ${p}.tf_body / (${f(body.base)} + ${f(body.perToken)} * ${p}.body_len))`
      return sql`coalesce(${f(idf)} * ${w} * ${f(k1 + 1)} / (${w} + ${f(k1)}), ${f(0)})`
    })
    return sql.join(parts, sql` + `)
  }

  function filtered(actor: Actor, id: RawBuilder<unknown>, filters: Filter[]) {
    if (filters.length === 0) return sql``
    return sql`join lib_documents d on d.id = ${id} and d.tenant_id = ${actor.tenantId} and ${sql.join(filters, sql` and `)}`
  }

  /**
   * PostgreSQL, plain words: the postings of the group expected to be smallest (by document frequency) give the
   * candidates (one term, or the full join of an OR group's terms); every other term's postings are left-joined by
   * document id, and each other group must have one of its terms present.
   */
  function postingsOnly(actor: Actor, query: SearchQuery, stats: Statistics, filters: Filter[]) {
    const index = new Map(query.terms.map((term, i) => [term, i]))
    const alias = (term: string) => sql.raw(`p${index.get(term)!}`)
    const groups = query.must.map((group) => [...new Set(group.map((phrase) => phrase[0]!))])
    const size = (group: string[]) => group.reduce((sum, term) => sum + (stats.df.get(term) ?? 0), 0)
    const driver = groups.reduce((best, group) => (size(group) < size(best) ? group : best))
    const postings = (term: string) =>
      sql`(select document_id, tf_title, tf_body, title_len, body_len from lib_postings
        where tenant_id = ${actor.tenantId} and term = ${term})`
    const driverIds = driver.map((term) => sql`${alias(term)}.document_id`)
    const id = driverIds.length === 1 ? driverIds[0]! : sql`coalesce(${sql.join(driverIds, sql`, `)})`
    const from = driver.map((term, i) =>
      i === 0
        ? sql`${postings(term)} ${alias(term)}`
        : sql`full join ${postings(term)} ${alias(term)} on ${alias(term)}.document_id = ${
            i === 1 ? driverIds[0]! : sql`coalesce(${sql.join(driverIds.slice(0, i), sql`, `)})`
          }`,
    )
    const others = query.terms
      .filter((term) => !driver.includes(term))
      .map((term) => sql`left join ${postings(term)} ${alias(term)} on ${alias(term)}.document_id = ${id}`)
    const conditions = groups
      .filter((group) => group !== driver)
      .map(
        (group) =>
          sql`(${sql.join(
            group.map((term) => sql`${alias(term)}.document_id is not null`),
            sql` or `,
          )})`,
      )
    const where = conditions.length === 0 ? sql`` : sql`where ${sql.join(conditions, sql` and `)}`
    return {
      id,
      body: sql`from ${sql.join(from, sql` `)} ${sql.join(others, sql` `)} ${filtered(actor, id, filters)} ${where}`,
    }
  }

  /**
   * Engine matching: one posting row per query term is left-joined to each match (an OR match lacking a term still
   * counts); a match with none of the tenant's postings is another tenant's document.
   */
  function engineMatches(actor: Actor, query: SearchQuery, filters: Filter[]) {
    const aliases = query.terms.map((_, i) => sql.raw(`p${i}`))
    const joins = query.terms.map((term, i) => {
      const p = aliases[i]!
      const key = postgres ? sql`${p}.document_id = s.document_id` : sql`${p}.search_rowid = lib_search.rowid`
      return sql`left join lib_postings ${p} on ${p}.tenant_id = ${actor.tenantId} and ${p}.term = ${term} and ${key}`
    })
    const id = sql`coalesce(${sql.join(
      aliases.map((p) => sql`${p}.document_id`),
      sql`, `,
    )}, '')`
    const from = sql`${sql.join(joins, sql` `)} ${filtered(actor, id, filters)}`
    return {
      id,
      body: postgres
        ? sql`from lib_search s ${from}
            where s.tokens @@ cast(${toTsquery(query)} as tsquery) and s.tenant_id = ${actor.tenantId} and ${id} <> ''`
        : sql`from lib_search ${from} where lib_search match ${toFts5Match(query)} and ${id} <> ''`,
    }
  }

  /** The ranked matches' `(id, score)` rows, best first, ties by id (binary order on both engines). */
  async function ranked(actor: Actor, query: SearchQuery, filters: Filter[], window: Window) {
    const stats = await statistics(actor, query.terms)
    const { id, body } =
      postgres && isPlainWords(query)
        ? postingsOnly(actor, query, stats, filters)
        : engineMatches(actor, query, filters)
    const order = postgres ? sql`${id} collate "C"` : id
    return sql`select ${id} as id, ${score(query, stats)} as score ${body}
      order by score desc, ${order} limit ${window.limit} offset ${window.offset}`
  }

  return { ranked }
}
