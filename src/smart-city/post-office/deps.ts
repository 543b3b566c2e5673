import type { Clock } from '../../kernel/clock.js'
import type { PlatformConfig } from '../../kernel/config.js'
import type { IdGenerator } from '../../kernel/ids.js'
import type { Logger } from '../../kernel/logger.js'
import type { PubSub } from '../../ports/pub-sub.js'
import type { SqlDatabase } from '../../ports/sql-database.js'

/** What every Post Office part gets: the SQL store (mailboxes, outbox), pub/sub for wake-up hints, time and ids. */
export interface PostOfficeDeps {
  database: SqlDatabase
  pubSub: PubSub
  clock: Clock
  ids: IdGenerator
  logger: Logger
  settings: PlatformConfig['postOffice']
}

/** Largest JSON payload of a message or an event. */
export const maxPayloadBytes = 256 * 1024
