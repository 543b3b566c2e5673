import type { Kysely, Transaction } from 'kysely'

/**
 * The Librarian's tables (portable columns: ids text, epoch-ms bigints, JSON as text). The search index itself is
 * dialect-specific and reached with raw SQL: `lib_search` is an FTS5 table keyed by `search_rowid` on SQLite and a
 * tsvector table keyed by `document_id` on PostgreSQL. Ranking statistics are the tenant's own (postings, term
 * document frequencies, token totals), so another tenant's documents never influence a score.
 */
export interface LibrarianTables {
  lib_documents: {
    id: string
    tenant_id: string
    collection: string
    title: string
    body: string
    metadata: string
    tags: string
    version: number
    /** Analysed token counts, for BM25 length normalisation. */
    title_len: number
    body_len: number
    /** The FTS5 rowid on SQLite; null on PostgreSQL. */
    search_rowid: number | null
    created_at: number
    created_by: string
    updated_at: number
    updated_by: string
  }
  lib_document_versions: {
    document_id: string
    version: number
    tenant_id: string
    collection: string
    title: string
    body: string
    metadata: string
    tags: string
    changed_at: number
    changed_by: string
  }
  lib_document_tags: { document_id: string; tag: string; tenant_id: string }
  /** Metadata values in canonical text form (`String(value)`), for exact-match filters. */
  lib_document_metadata: { document_id: string; key: string; value: string; tenant_id: string }
  /**
   * One row per (document, distinct term) with everything a score needs, so ranking reads one row per matched term:
   * keyed by the FTS5 rowid on SQLite (the engine's match order) and by the document id on PostgreSQL.
   */
  lib_postings: {
    tenant_id: string
    term: string
    document_id: string
    search_rowid: number | null
    tf_title: number
    tf_body: number
    title_len: number
    body_len: number
  }
  lib_term_stats: { tenant_id: string; term: string; df: number }
  lib_tenant_stats: { tenant_id: string; documents: number; title_tokens: number; body_tokens: number }
}

export type LibrarianDb = Kysely<LibrarianTables> | Transaction<LibrarianTables>
