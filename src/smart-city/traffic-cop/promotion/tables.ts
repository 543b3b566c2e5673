import type { Kysely, Transaction } from 'kysely'
import type { SqlDatabase, SqlMigration } from '../../../ports/sql-database.js'

/** Row shapes of the promotion tables; JSON is stored as text. */
export interface PromotionTables {
  /** The SQL tier: the current value of a key promoted with IMMEDIATE_PERSIST. */
  tc_promoted_state: {
    tenant_id: string
    state_key: string
    promotion_id: string
    data: string
    expires_at: number
    updated_at: number
  }
  /** Every promotion; `seq` numbers a key's promotions so its lineage stays one chain under concurrency. */
  tc_state_promotions: {
    id: string
    tenant_id: string
    state_key: string
    seq: number
    previous_promotion_id: string | null
    state_type: string | null
    tags: string
    strategy: string
    tier: string
    ttl_seconds: number
    expires_at: number
    reason: string
    complexity: number
    size_bytes: number
    importance: number
    snapshot_key: string
    snapshot_size: number
    snapshot_sha256: string
    actor_type: string
    actor_id: string
    session_id: string | null
    created_at: number
  }
}

export type PromotionDb = Kysely<PromotionTables> | Transaction<PromotionTables>

export function promotionDb(database: SqlDatabase): Kysely<PromotionTables> {
  return database.db as Kysely<PromotionTables>
}

export const promotionMigration: SqlMigration = {
  name: '0005_traffic_cop_promotions',
  async up(db) {
    await db.schema
      .createTable('tc_promoted_state')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('state_key', 'text', (c) => c.notNull())
      .addColumn('promotion_id', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('tc_promoted_state_pk', ['tenant_id', 'state_key'])
      .execute()

    await db.schema
      .createTable('tc_state_promotions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('state_key', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('previous_promotion_id', 'text')
      .addColumn('state_type', 'text')
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('strategy', 'text', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('ttl_seconds', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('complexity', 'integer', (c) => c.notNull())
      .addColumn('size_bytes', 'integer', (c) => c.notNull())
      .addColumn('importance', 'integer', (c) => c.notNull())
      .addColumn('snapshot_key', 'text', (c) => c.notNull())
      .addColumn('snapshot_size', 'integer', (c) => c.notNull())
      .addColumn('snapshot_sha256', 'text', (c) => c.notNull())
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('tc_state_promotions_key_seq', ['tenant_id', 'state_key', 'seq'])
      .execute()
    await db.schema
      .createIndex('tc_state_promotions_tenant_created')
      .on('tc_state_promotions')
      .columns(['tenant_id', 'created_at', 'id'])
      .execute()
  },
}
