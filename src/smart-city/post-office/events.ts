import { type Kysely, sql, type Transaction } from 'kysely'
import { createTimeOrderedIdGenerator } from '../../kernel/ids.js'
import type { AnyDatabase } from '../../ports/sql-database.js'
import {
  type ColumnList,
  insertRowList,
  mapRows,
  type RowFilter,
  type Rows,
} from '../../ports/sql-row-lists.js'
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

/**
 * An event is written only when its tenant has a subscription as it is published: routing would send any other
 * nowhere, and a tenant without subscriptions (most tenants, for most of what services announce) then costs the
 * outbox neither a row nor a routing pass. Which subscriptions get it is decided when it is routed.
 */
const toSubscribedTenants: RowFilter<PostOfficeTables['po_events']> = (column) =>
  sql`exists (select 1 from po_subscriptions s where s.tenant_id = ${column('tenant_id')})`

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
    await outboxRows([row]).execute(store)
    return { id: row.id }
  }

  const outboxRows = (rows: Rows<ReturnType<typeof rowOf>>) =>
    insertRowList(
      deps.database.dialect,
      { table: 'po_events', columns: outboxColumns, where: toSubscribedTenants },
      rows,
    )

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
      return outboxRows(mapRows(inputs, rowOf))
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
