import type { Clock } from '../../kernel/clock.js'
import type { PlatformConfig } from '../../kernel/config.js'
import type { IdGenerator } from '../../kernel/ids.js'
import type { Logger } from '../../kernel/logger.js'
import type { FileStore } from '../../ports/file-store.js'
import type { KeyValueStore } from '../../ports/key-value-store.js'
import type { PubSub } from '../../ports/pub-sub.js'
import type { SqlDatabase } from '../../ports/sql-database.js'
import type { Curator } from '../curator/curator.js'

/** What every Traffic Cop module gets: the infrastructure ports, the clock and ids, and the whole configuration. */
export interface TrafficCopDeps {
  database: SqlDatabase
  keyValue: KeyValueStore
  pubSub: PubSub
  files: FileStore
  clock: Clock
  ids: IdGenerator
  logger: Logger
  config: PlatformConfig
  curator: Curator
}

/** A module's part in the service lifecycle and health report; all optional. */
export interface TrafficCopModule {
  start?(): Promise<void>
  stop?(): Promise<void>
  health?(): Promise<Record<string, unknown>>
}
