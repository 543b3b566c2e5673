import type { PageRequest } from '../../../kernel/pagination.js'
import { decodeCursor, pageSize, toPage } from '../../../kernel/pagination.js'
import type { PromotionStrategy, StateTier } from './analyzer.js'
import type { PromotionDb, PromotionTables } from './tables.js'

export interface PromotionRecord {
  id: string
  tenantId: string
  key: string
  seq: number
  previousPromotionId: string | null
  type: string | null
  tags: string[]
  strategy: PromotionStrategy
  tier: StateTier
  ttlSeconds: number
  expiresAt: number
  reason: string
  scores: { complexity: number; size: number; importance: number }
  snapshot: { key: string; size: number; sha256: string }
  actor: { type: 'user' | 'api_key'; id: string }
  sessionId: string | null
  createdAt: number
}

type Row = PromotionTables['tc_state_promotions']

function toRecord(row: Row): PromotionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    key: row.state_key,
    seq: Number(row.seq),
    previousPromotionId: row.previous_promotion_id,
    type: row.state_type,
    tags: JSON.parse(row.tags) as string[],
    strategy: row.strategy as PromotionStrategy,
    tier: row.tier as StateTier,
    ttlSeconds: Number(row.ttl_seconds),
    expiresAt: Number(row.expires_at),
    reason: row.reason,
    scores: {
      complexity: Number(row.complexity),
      size: Number(row.size_bytes),
      importance: Number(row.importance),
    },
    snapshot: { key: row.snapshot_key, size: Number(row.snapshot_size), sha256: row.snapshot_sha256 },
    actor: { type: row.actor_type as PromotionRecord['actor']['type'], id: row.actor_id },
    sessionId: row.session_id,
    createdAt: Number(row.created_at),
  }
}

function toRow(record: PromotionRecord): Row {
  return {
    id: record.id,
    tenant_id: record.tenantId,
    state_key: record.key,
    seq: record.seq,
    previous_promotion_id: record.previousPromotionId,
    state_type: record.type,
    tags: JSON.stringify(record.tags),
    strategy: record.strategy,
    tier: record.tier,
    ttl_seconds: record.ttlSeconds,
    expires_at: record.expiresAt,
    reason: record.reason,
    complexity: record.scores.complexity,
    size_bytes: record.scores.size,
    importance: record.scores.importance,
    snapshot_key: record.snapshot.key,
    snapshot_size: record.snapshot.size,
    snapshot_sha256: record.snapshot.sha256,
    actor_type: record.actor.type,
    actor_id: record.actor.id,
    session_id: record.sessionId,
    created_at: record.createdAt,
  }
}

export const promotionStore = {
  async insert(db: PromotionDb, record: PromotionRecord): Promise<void> {
    await db.insertInto('tc_state_promotions').values(toRow(record)).execute()
  },

  /** The latest promotion of a key, or undefined. */
  async head(db: PromotionDb, tenantId: string, key: string): Promise<PromotionRecord | undefined> {
    const row = await db
      .selectFrom('tc_state_promotions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('state_key', '=', key)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row && toRecord(row)
  },

  /** The first promotion's time: the state's creation in the snapshot metadata. */
  async firstAt(db: PromotionDb, tenantId: string, key: string): Promise<number | undefined> {
    const row = await db
      .selectFrom('tc_state_promotions')
      .select('created_at')
      .where('tenant_id', '=', tenantId)
      .where('state_key', '=', key)
      .where('seq', '=', 1)
      .executeTakeFirst()
    return row && Number(row.created_at)
  },

  /** The tenant's promotions, newest first, optionally of one key. */
  async list(db: PromotionDb, tenantId: string, filter: { key?: string }, page: PageRequest) {
    const limit = pageSize(page.limit)
    const before = decodeCursor(page.cursor)
    let query = db.selectFrom('tc_state_promotions').selectAll().where('tenant_id', '=', tenantId)
    if (filter.key !== undefined) query = query.where('state_key', '=', filter.key)
    if (before) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', before.at),
          eb.and([eb('created_at', '=', before.at), eb('id', '<', before.id)]),
        ]),
      )
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute()
    return toPage(
      rows.map(toRecord),
      limit,
      (r) => ({ at: r.createdAt, id: r.id }),
      (r) => r,
    )
  },

  /** A key's chain, latest first; the cursor walks back by sequence number. */
  async chain(db: PromotionDb, tenantId: string, key: string, page: PageRequest) {
    const limit = pageSize(page.limit)
    const before = decodeCursor(page.cursor)
    let query = db
      .selectFrom('tc_state_promotions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('state_key', '=', key)
    if (before) query = query.where('seq', '<', before.at)
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute()
    return toPage(
      rows.map(toRecord),
      limit,
      (r) => ({ at: r.seq, id: r.id }),
      (r) => r,
    )
  },
}
