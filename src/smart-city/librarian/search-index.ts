import { type Transaction, sql } from 'kysely'
import type { AnyDatabase, SqlDialect } from '../../ports/sql-database.js'
import { terms } from './analyzer.js'
import { bigram } from './query.js'
import type { LibrarianTables } from './tables.js'

/**
 * Keeps the search index and the tenant's ranking statistics in step with documents, inside the caller's
 * transaction: the engine row (FTS5 or tsvector) holding each distinct term and adjacent-term bigram, one posting
 * per distinct term (its frequency in title and body), each term's document frequency and the tenant's document and
 * token totals. A batch of changes is applied in one pass: statistics rows are updated once each, in term order, so
 * concurrent writers on PostgreSQL lock them in the same order and cannot deadlock. Removal re-analyses the stored
 * text, which gives back exactly the terms that were added.
 */
export interface Analysis {
  titleTerms: string[]
  bodyTerms: string[]
}

export function analyzeDocument(title: string, body: string): Analysis {
  return { titleTerms: terms(title), bodyTerms: terms(body) }
}

export function indexTokens(analysis: Analysis): string[] {
  const tokens = new Set<string>()
  for (const list of [analysis.titleTerms, analysis.bodyTerms]) {
    for (let i = 0; i < list.length; i++) {
      tokens.add(list[i]!)
      if (i > 0) tokens.add(bigram(list[i - 1]!, list[i]!))
    }
  }
  return [...tokens].sort()
}

function frequencies(analysis: Analysis): Map<string, { title: number; body: number }> {
  const out = new Map<string, { title: number; body: number }>()
  const count = (term: string, field: 'title' | 'body') => {
    const entry = out.get(term) ?? { title: 0, body: 0 }
    entry[field] += 1
    out.set(term, entry)
  }
  for (const term of analysis.titleTerms) count(term, 'title')
  for (const term of analysis.bodyTerms) count(term, 'body')
  return out
}

const chunkSize = 500
function chunks<T>(items: T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += chunkSize) out.push(items.slice(i, i + chunkSize))
  return out
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

type Trx = Transaction<LibrarianTables>

/** Where a document sits in the index: its id and (SQLite) its FTS5 rowid. */
export interface Indexed {
  documentId: string
  searchRowid: number | null
}

/** One document's change: `before` is what is indexed now (absent for a new document), `after` what replaces it. */
export interface IndexChange {
  indexed: Indexed
  before?: Analysis
  after?: Analysis
}

export function createSearchIndex(dialect: SqlDialect) {
  async function updateStatistics(trx: Trx, tenantId: string, changes: IndexChange[]) {
    const deltas = new Map<string, number>()
    const tenant = { documents: 0, title: 0, body: 0 }
    const count = (analysis: Analysis | undefined, sign: number) => {
      if (!analysis) return
      for (const term of frequencies(analysis).keys()) deltas.set(term, (deltas.get(term) ?? 0) + sign)
      tenant.documents += sign
      tenant.title += sign * analysis.titleTerms.length
      tenant.body += sign * analysis.bodyTerms.length
    }
    for (const change of changes) {
      count(change.before, -1)
      count(change.after, 1)
    }
    const changed = [...deltas.entries()].filter(([, delta]) => delta !== 0).sort(([a], [b]) => byText(a, b))
    for (const chunk of chunks(changed)) {
      await trx
        .insertInto('lib_term_stats')
        .values(chunk.map(([term, df]) => ({ tenant_id: tenantId, term, df })))
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'term']).doUpdateSet({ df: sql`lib_term_stats.df + excluded.df` }),
        )
        .execute()
      const dropped = chunk.filter(([, delta]) => delta < 0).map(([term]) => term)
      if (dropped.length > 0)
        await trx
          .deleteFrom('lib_term_stats')
          .where('tenant_id', '=', tenantId)
          .where('term', 'in', dropped)
          .where('df', '<=', 0)
          .execute()
    }
    if (tenant.documents === 0 && tenant.title === 0 && tenant.body === 0) return
    await trx
      .insertInto('lib_tenant_stats')
      .values({
        tenant_id: tenantId,
        documents: tenant.documents,
        title_tokens: tenant.title,
        body_tokens: tenant.body,
      })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({
          documents: sql`lib_tenant_stats.documents + excluded.documents`,
          title_tokens: sql`lib_tenant_stats.title_tokens + excluded.title_tokens`,
          body_tokens: sql`lib_tenant_stats.body_tokens + excluded.body_tokens`,
        }),
      )
      .execute()
  }

  async function removeRows(trx: Trx, tenantId: string, change: IndexChange) {
    const { documentId, searchRowid } = change.indexed
    for (const chunk of chunks([...frequencies(change.before!).keys()])) {
      const scoped = trx
        .deleteFrom('lib_postings')
        .where('tenant_id', '=', tenantId)
        .where('term', 'in', chunk)
      await (
        dialect === 'postgres'
          ? scoped.where('document_id', '=', documentId)
          : scoped.where('search_rowid', '=', searchRowid)
      ).execute()
    }
    if (dialect === 'postgres')
      await sql`delete from lib_search where document_id = ${documentId}`.execute(trx)
    else await sql`delete from lib_search where rowid = ${searchRowid}`.execute(trx)
  }

  /** SQLite: the next free FTS5 rowids, one per added document (writers are serialised by SQLite). */
  async function allocateRowids(trx: Trx, count: number): Promise<(number | null)[]> {
    if (dialect === 'postgres') return Array.from({ length: count }, () => null)
    const last = await sql<{
      rowid: number
    }>`select rowid from lib_search order by rowid desc limit 1`.execute(trx)
    const first = Number(last.rows[0]?.rowid ?? 0) + 1
    return Array.from({ length: count }, (_, i) => first + i)
  }

  async function addRows(trx: Trx, tenantId: string, added: IndexChange[]): Promise<(number | null)[]> {
    const rowids = await allocateRowids(trx, added.length)
    const postings = added.flatMap((change, i) => {
      const analysis = change.after!
      return [...frequencies(analysis).entries()].map(([term, f]) => ({
        tenant_id: tenantId,
        term,
        document_id: change.indexed.documentId,
        search_rowid: rowids[i]!,
        tf_title: f.title,
        tf_body: f.body,
        title_len: analysis.titleTerms.length,
        body_len: analysis.bodyTerms.length,
      }))
    })
    for (const chunk of chunks(postings)) await trx.insertInto('lib_postings').values(chunk).execute()
    for (const [n, chunk] of chunks(added).entries()) {
      const rows = chunk.map((c, i) =>
        dialect === 'postgres'
          ? sql`(${c.indexed.documentId}, ${tenantId}, array_to_tsvector(cast(${indexTokens(c.after!)} as text[])))`
          : sql`(${rowids[n * chunkSize + i]}, ${indexTokens(c.after!).join(' ')})`,
      )
      await (
        dialect === 'postgres'
          ? sql`insert into lib_search (document_id, tenant_id, tokens) values ${sql.join(rows)}`
          : sql`insert into lib_search (rowid, tokens) values ${sql.join(rows)}`
      ).execute(trx)
    }
    return rowids
  }

  return {
    /**
     * Applies the changes of one tenant's documents; answers, for each change with `after`, in order, the FTS5
     * rowid to keep in `search_rowid` (null on PostgreSQL).
     */
    async apply(
      trx: Transaction<AnyDatabase>,
      tenantId: string,
      changes: IndexChange[],
    ): Promise<(number | null)[]> {
      const t = trx as Trx
      for (const change of changes) if (change.before) await removeRows(t, tenantId, change)
      const rowids = await addRows(
        t,
        tenantId,
        changes.filter((c) => c.after),
      )
      await updateStatistics(t, tenantId, changes)
      return rowids
    },
  }
}

export type SearchIndex = ReturnType<typeof createSearchIndex>
