import type { Kysely, Transaction } from 'kysely'
import { createTimeOrderedIdGenerator } from '../../kernel/ids.js'
import type { AnyDatabase } from '../../ports/sql-database.js'
import { type ColumnList, insertRowList, mapRows, type Rows } from '../../ports/sql-row-lists.js'
import type { PostOfficeDeps } from './deps.js'
import { serializePayload } from './mailboxes.js'
import type { PostOfficeTables } from './tables.js'
import { checkEventType } from './topics.js'

/**
 * Publishing events through the transactional outbox. An event is a row in `po_events`, written in the caller's
 * transaction by `publishInTransaction`, so it exists — and is delivered — if and only if that transaction
 * commits. Every node's dispatcher routes outbox rows to matching subscriptions and delivers them at least once.
 * After committing, call `wake()` for prompt delivery; otherwise the dispatchers' periodic poll picks it up.
 */
export interface PublishInput {
  tenantId: string
  type: string
  payload: unknown
  /** Who published: `user:<id>`, `api-key:<id>` or `service:<name>`. */
  source: string
}

export const outboxHintChannel = 'po:outbox'

const outboxColumns: ColumnList<PostOfficeTables['po_events']> = [
  ['id', 'text'],
  ['tenant_id', 'text'],
  ['type', 'text'],
  ['payload', 'text'],
  ['source', 'text'],
  ['created_at', 'bigint'],
  ['status', 'text'],
  ['routed_at', 'bigint'],
]

export function createEventPublisher(deps: PostOfficeDeps) {
  const db = deps.database.db as Kysely<PostOfficeTables>

  // Time-ordered: outbox rows are written at a high rate, and new ones then go at the end of the index.
  const eventIds = createTimeOrderedIdGenerator(() => deps.clock.now())

  function rowOf(input: PublishInput) {
    return {
      id: eventIds.next('evt'),
      tenant_id: input.tenantId,
      type: checkEventType(input.type),
      payload: serializePayload(input.payload),
      source: input.source,
      created_at: deps.clock.now(),
      status: 'pending',
      routed_at: null,
    }
  }

  async function insert(store: Kysely<PostOfficeTables>, input: PublishInput): Promise<{ id: string }> {
    const row = rowOf(input)
    await store.insertInto('po_events').values(row).execute()
    return { id: row.id }
  }

  async function wake(): Promise<void> {
    try {
      await deps.pubSub.publish(outboxHintChannel, '')
    } catch (error) {
      deps.logger.warn({ err: error }, 'outbox wake-up hint not published; dispatchers will poll')
    }
  }

  return {
    /** Writes the event into the outbox inside `trx`; it is published only if `trx` commits. */
    publishInTransaction(trx: Transaction<AnyDatabase>, input: PublishInput): Promise<{ id: string }> {
      return insert(trx as unknown as Kysely<PostOfficeTables>, input)
    },
    /**
     * The insert of these events into the outbox, for a caller that runs it as part of its own
     * atomic write (a data-modifying CTE on PostgreSQL, a statement of its transaction on SQLite). Call `wake()`
     * after that write commits.
     */
    outboxInsert(inputs: Rows<PublishInput>) {
      return insertRowList(deps.database.dialect, 'po_events', outboxColumns, mapRows(inputs, rowOf))
    },
    /** Publishes in a transaction of its own and wakes the dispatchers. */
    async publish(input: PublishInput): Promise<{ id: string }> {
      const published = await insert(db, input)
      await wake()
      return published
    },
    /** Tells every node's dispatcher there is new work (after a commit that published events). */
    wake,
  }
}

export type EventPublisher = ReturnType<typeof createEventPublisher>
