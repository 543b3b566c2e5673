import { sql } from 'kysely'
import type { SqlMigration } from '../../ports/sql-database.js'

/**
 * Documents, their kept versions, tag and metadata rows for filters, the per-tenant ranking statistics, and the
 * search index: FTS5 (ascii tokenizer, `_` a token character for bigrams) on SQLite, a tsvector column with a GIN
 * index on PostgreSQL. Both index the analyzer's output only, so neither engine's own tokenizer changes a term.
 */
export const librarianDocumentsMigration: SqlMigration = {
  name: '0030_librarian_documents',
  async up(db, dialect) {
    await db.schema
      .createTable('lib_documents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('title_len', 'integer', (c) => c.notNull())
      .addColumn('body_len', 'integer', (c) => c.notNull())
      .addColumn('search_rowid', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('lib_documents_newest')
      .on('lib_documents')
      .columns(['tenant_id', 'created_at', 'id'])
      .execute()
    await db.schema
      .createIndex('lib_documents_collection')
      .on('lib_documents')
      .columns(['tenant_id', 'collection', 'created_at', 'id'])
      .execute()
    await db.schema
      .createIndex('lib_documents_search_rowid')
      .on('lib_documents')
      .column('search_rowid')
      .unique()
      .execute()

    await db.schema
      .createTable('lib_document_versions')
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('changed_at', 'bigint', (c) => c.notNull())
      .addColumn('changed_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('lib_document_versions_pk', ['document_id', 'version'])
      .execute()

    await db.schema
      .createTable('lib_document_tags')
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('tag', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('lib_document_tags_pk', ['document_id', 'tag'])
      .execute()
    await db.schema
      .createIndex('lib_document_tags_tag')
      .on('lib_document_tags')
      .columns(['tenant_id', 'tag', 'document_id'])
      .execute()

    await db.schema
      .createTable('lib_document_metadata')
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('lib_document_metadata_pk', ['document_id', 'key'])
      .execute()
    await db.schema
      .createIndex('lib_document_metadata_value')
      .on('lib_document_metadata')
      .columns(['tenant_id', 'key', 'value', 'document_id'])
      .execute()

    const withoutRowid = dialect === 'sqlite' ? sql`without rowid` : sql``
    await db.schema
      .createTable('lib_postings')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('term', 'text', (c) => c.notNull())
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('tf_title', 'integer', (c) => c.notNull())
      .addColumn('tf_body', 'integer', (c) => c.notNull())
      .addColumn('search_rowid', 'bigint')
      .addColumn('title_len', 'integer', (c) => c.notNull())
      .addColumn('body_len', 'integer', (c) => c.notNull())
      .$call((table) =>
        dialect === 'sqlite'
          ? table.addPrimaryKeyConstraint('lib_postings_pk', ['tenant_id', 'term', 'search_rowid'])
          : table,
      )
      .modifyEnd(withoutRowid)
      .execute()
    if (dialect === 'postgres') {
      // The scoring columns ride in the key's index, so ranking can read a term's postings by index-only scan.
      await sql`alter table lib_postings add constraint lib_postings_pk primary key (tenant_id, term, document_id)
        include (tf_title, tf_body, title_len, body_len)`.execute(db)
    }
    await db.schema
      .createTable('lib_term_stats')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('term', 'text', (c) => c.notNull())
      .addColumn('df', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('lib_term_stats_pk', ['tenant_id', 'term'])
      .modifyEnd(withoutRowid)
      .execute()
    await db.schema
      .createTable('lib_tenant_stats')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('documents', 'bigint', (c) => c.notNull())
      .addColumn('title_tokens', 'bigint', (c) => c.notNull())
      .addColumn('body_tokens', 'bigint', (c) => c.notNull())
      .execute()

    if (dialect === 'sqlite') {
      await sql`create virtual table lib_search using fts5(tokens, tokenize = "ascii tokenchars '_'")`.execute(
        db,
      )
    } else {
      await sql`create table lib_search (
        document_id text primary key,
        tenant_id text not null,
        tokens tsvector not null
      )`.execute(db)
      await sql`create index lib_search_tokens on lib_search using gin (tokens)`.execute(db)
    }
  },
}

export const librarianMigrations: SqlMigration[] = [librarianDocumentsMigration]
