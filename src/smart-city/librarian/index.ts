import type { PlatformService } from '../../kernel/lifecycle.js'
import type { Clock } from '../../kernel/clock.js'
import type { IdGenerator } from '../../kernel/ids.js'
import type { SqlDatabase } from '../../ports/sql-database.js'
import { type Documents, createDocuments } from './documents.js'
import { type Search, createSearch } from './search.js'

export { librarianMigrations } from './migrations.js'
export { librarianErrors } from './errors.js'
export type { Actor, DocumentRecord, DocumentUpdate, DocumentVersion } from './documents.js'
export type { DocumentInput } from './validate.js'
export type { SearchFilters, SearchHit, SearchPage, SearchRequest } from './search.js'

export const librarianVersion = '1.0.0'

export interface LibrarianSettings {
  maxBodyBytes: number
}

export interface LibrarianDeps {
  database: SqlDatabase
  clock: Clock
  ids: IdGenerator
  settings: LibrarianSettings
}

/**
 * The Librarian: documents with collection, title, body, metadata, tags and every version kept, and ranked
 * full-text search with filters and highlights, identical on SQLite (FTS5) and PostgreSQL (tsvector). Other
 * services and realms index text through `documents.create(actor, input)` with the tenant and user they act for.
 */
export interface Librarian {
  readonly documents: Documents
  readonly search: Search
}

export function createLibrarianService(deps: LibrarianDeps): {
  librarian: Librarian
  service: PlatformService
} {
  const librarian: Librarian = {
    documents: createDocuments({ ...deps, maxBodyBytes: deps.settings.maxBodyBytes }),
    search: createSearch(deps.database),
  }
  const service: PlatformService = {
    descriptor: {
      name: 'librarian',
      realm: 'smart-city',
      version: librarianVersion,
      capabilities: ['documents', 'document-versions', 'search'],
      dependsOn: ['curator', 'security-guard'],
    },
    async healthCheck() {
      try {
        await deps.database.ping()
        return { status: 'healthy' }
      } catch (error) {
        return {
          status: 'unhealthy',
          details: { reason: error instanceof Error ? error.message : 'database unreachable' },
        }
      }
    },
  }
  return { librarian, service }
}
