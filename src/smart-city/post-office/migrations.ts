import { sql } from 'kysely'
import type { SqlMigration } from '../../ports/sql-database.js'

/** Mailboxes: one row per message until it is acked; dead letters stay with `status = 'dead'`. */
export const mailboxesMigration: SqlMigration = {
  name: '0020_post_office_mailboxes',
  async up(db) {
    await db.schema
      .createTable('po_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('sender', 'text', (c) => c.notNull())
      .addColumn('correlation_id', 'text')
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('visible_at', 'bigint', (c) => c.notNull())
      .addColumn('receipt', 'text')
      .addColumn('dead_at', 'bigint')
      .addColumn('last_error', 'text')
      .execute()
    await db.schema
      .createIndex('po_messages_due')
      .on('po_messages')
      .columns(['tenant_id', 'recipient', 'status', 'visible_at', 'created_at'])
      .execute()
  },
}

/** Events: the transactional outbox, the subscriptions, and one delivery row per (event, subscription). */
export const eventsMigration: SqlMigration = {
  name: '0021_post_office_events',
  async up(db) {
    await db.schema
      .createTable('po_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('routed_at', 'bigint')
      .execute()
    await db.schema
      .createIndex('po_events_pending')
      .on('po_events')
      .columns(['status', 'created_at'])
      .execute()

    await db.schema
      .createTable('po_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('pattern', 'text', (c) => c.notNull())
      .addColumn('target_kind', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('po_subscriptions_tenant')
      .on('po_subscriptions')
      .columns(['tenant_id', 'created_at', 'id'])
      .execute()

    await db.schema
      .createTable('po_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('subscription_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addUniqueConstraint('po_deliveries_once', ['event_id', 'subscription_id'])
      .execute()
    await db.schema
      .createIndex('po_deliveries_due')
      .on('po_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute()
    await db.schema
      .createIndex('po_deliveries_subscription')
      .on('po_deliveries')
      .columns(['subscription_id', 'created_at', 'id'])
      .execute()
  },
}

/** Registered agents: a name unique per tenant, capabilities, and the mailbox they read. */
export const agentsMigration: SqlMigration = {
  name: '0022_post_office_agents',
  async up(db) {
    await db.schema
      .createTable('po_agents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('capabilities', 'text', (c) => c.notNull())
      .addColumn('mailbox', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('po_agents_name', ['tenant_id', 'name'])
      .execute()
  },
}

/**
 * The outbox's indexes hold only the events their queries look for: the dispatcher's pending ones in the order it
 * routes them, retention's routed ones by age. An index of every event by status and time made each routing pass
 * walk the entries of every event routed since the last vacuum (a bitmap scan never marks them dead): at a few
 * thousand events a second a pass read thousands of dead entries and slowed down as the table grew. A scan of the
 * partial index in order, with its LIMIT, marks the dead entries it passes, and stops at the first live ones.
 */
export const pendingEventsMigration: SqlMigration = {
  name: '0023_post_office_pending_events',
  async up(db) {
    await db.schema.dropIndex('po_events_pending').execute()
    await sql`create index po_events_pending on po_events (created_at, id) where status = 'pending'`.execute(
      db,
    )
    await sql`create index po_events_routed on po_events (created_at) where status = 'routed'`.execute(db)
  },
}

export const postOfficeMigrations: SqlMigration[] = [
  mailboxesMigration,
  eventsMigration,
  agentsMigration,
  pendingEventsMigration,
]
