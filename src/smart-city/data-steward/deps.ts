import type { Clock } from '../../kernel/clock.js'
import type { IdGenerator } from '../../kernel/ids.js'
import type { Logger } from '../../kernel/logger.js'
import type { FileStore } from '../../ports/file-store.js'
import type { PubSub } from '../../ports/pub-sub.js'
import type { SqlDatabase } from '../../ports/sql-database.js'

/**
 * What every Data Steward part gets: SQL for records, the file store for uploads, rows and text, time and ids;
 * pub/sub carries upload progress to WebSocket channels.
 */
export interface DataStewardDeps {
  database: SqlDatabase
  files: FileStore
  pubSub: PubSub
  clock: Clock
  ids: IdGenerator
  logger: Logger
  settings: { maxUploadBytes: number }
}

/** The caller a dataset or schema is made for: a user, or a service acting on a tenant's behalf. */
export interface TenantContext {
  tenantId: string
  userId: string
}
