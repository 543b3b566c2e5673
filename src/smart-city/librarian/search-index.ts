import { type Transaction, sql } from 'kysely'
import type { AnyDatabase, SqlDialect } from '../../ports/sql-database.js'
import { terms } from './analyzer.js'
import { bigram } from './query.js'
import type { LibrarianTables } from './tables.js'

/**
 * Keeps the search index and the tenant's ranking statistics in step with a document, inside the caller's
 * transaction: the engine row (FTS5 or tsvector) holding each distinct term and adjacent-term bigram, one posting
 * per distinct term (its frequency in title and body), the term's document frequency and the tenant's document and
 * token totals. Removal re-analyses the stored text, which gives back exactly the terms that were added.
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
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

const chunkSize = 500
function chunks<T>(items: T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += chunkSize) out.push(items.slice(i, i + chunkSize))
  return out
}

type Trx = Transaction<LibrarianTables>

/** Where a document sits in the index: its tenant, its id and (SQLite) its FTS5 rowid. */
export interface Indexed {
  tenantId: string
  documentId: string
  searchRowid: number | null
}

export function createSearchIndex(dialect: SqlDialect) {
  async function adjustTerms(trx: Trx, tenantId: string, termList: string[], delta: 1 | -1) {
    for (const chunk of chunks(termList)) {
      await trx
        .insertInto('lib_term_stats')
        .values(chunk.map((term) => ({ tenant_id: tenantId, term, df: delta })))
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'term']).doUpdateSet({ df: sql`lib_term_stats.df + excluded.df` }),
        )
        .execute()
      if (delta < 0)
        await trx
          .deleteFrom('lib_term_stats')
          .where('tenant_id', '=', tenantId)
          .where('term', 'in', chunk)
          .where('df', '<=', 0)
          .execute()
    }
  }

  async function adjustTenant(trx: Trx, tenantId: string, analysis: Analysis, delta: 1 | -1) {
    await trx
      .insertInto('lib_tenant_stats')
      .values({
        tenant_id: tenantId,
        documents: delta,
        title_tokens: delta * analysis.titleTerms.length,
        body_tokens: delta * analysis.bodyTerms.length,
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

  async function addEngineRow(trx: Trx, tenantId: string, documentId: string, tokens: string[]) {
    if (dialect === 'postgres') {
      await sql`insert into lib_search (document_id, tenant_id, tokens)
        values (${documentId}, ${tenantId}, array_to_tsvector(cast(${tokens} as text[])))`.execute(trx)
      return null
    }
    const last = await sql<{
      rowid: number
    }>`select rowid from lib_search order by rowid desc limit 1`.execute(trx)
    const rowid = Number(last.rows[0]?.rowid ?? 0) + 1
    await sql`insert into lib_search (rowid, tokens) values (${rowid}, ${tokens.join(' ')})`.execute(trx)
    return rowid
  }

  return {
    /** Indexes a stored document; answers the FTS5 rowid to keep in `search_rowid` (null on PostgreSQL). */
    async add(
      trx: Transaction<AnyDatabase>,
      tenantId: string,
      documentId: string,
      analysis: Analysis,
    ): Promise<number | null> {
      const t = trx as Trx
      const tf = frequencies(analysis)
      for (const chunk of chunks([...tf.entries()])) {
        await t
          .insertInto('lib_postings')
          .values(
            chunk.map(([term, f]) => ({
              tenant_id: tenantId,
              term,
              document_id: documentId,
              tf_title: f.title,
              tf_body: f.body,
            })),
          )
          .execute()
      }
      await adjustTerms(t, tenantId, [...tf.keys()], 1)
      await adjustTenant(t, tenantId, analysis, 1)
      return addEngineRow(t, tenantId, documentId, indexTokens(analysis))
    },

    async remove(trx: Transaction<AnyDatabase>, indexed: Indexed, analysis: Analysis): Promise<void> {
      const { tenantId, documentId, searchRowid } = indexed
      const t = trx as Trx
      const termList = [...frequencies(analysis).keys()]
      for (const chunk of chunks(termList)) {
        await t
          .deleteFrom('lib_postings')
          .where('tenant_id', '=', tenantId)
          .where('term', 'in', chunk)
          .where('document_id', '=', documentId)
          .execute()
      }
      await adjustTerms(t, tenantId, termList, -1)
      await adjustTenant(t, tenantId, analysis, -1)
      if (dialect === 'postgres')
        await sql`delete from lib_search where document_id = ${documentId}`.execute(t)
      else await sql`delete from lib_search where rowid = ${searchRowid}`.execute(t)
    },
  }
}

export type SearchIndex = ReturnType<typeof createSearchIndex>
