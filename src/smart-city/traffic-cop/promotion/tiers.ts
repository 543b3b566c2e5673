import type { Clock } from '../../../kernel/clock.js'
import type { KeyValueStore } from '../../../ports/key-value-store.js'
import type { PromotionDb } from './tables.js'

/** A promoted value as a tier holds it; `promotionId` lets a reader tell it from a value a later promotion replaced. */
export interface TierValue {
  promotionId: string
  data: unknown
  expiresAt: number
}

/** The key-value and memory tiers; every read treats a value past `expiresAt` (by the platform clock) as absent. */
export interface TierStore {
  put(tenantId: string, key: string, value: TierValue): Promise<void>
  get(tenantId: string, key: string): Promise<TierValue | null>
  delete(tenantId: string, key: string): Promise<void>
}

const live = (value: TierValue | null | undefined, clock: Clock): TierValue | null =>
  value && value.expiresAt > clock.now() ? value : null

/** The SQL tier works on a transaction handle, so the value and its history row commit together. */
export function sqlTier(clock: Clock) {
  return {
    async put(db: PromotionDb, tenantId: string, key: string, value: TierValue): Promise<void> {
      const now = clock.now()
      await db
        .deleteFrom('tc_promoted_state')
        .where('tenant_id', '=', tenantId)
        .where('expires_at', '<=', now)
        .execute()
      const row = {
        promotion_id: value.promotionId,
        data: JSON.stringify(value.data),
        expires_at: value.expiresAt,
        updated_at: now,
      }
      await db
        .insertInto('tc_promoted_state')
        .values({ tenant_id: tenantId, state_key: key, ...row })
        .onConflict((oc) => oc.columns(['tenant_id', 'state_key']).doUpdateSet(row))
        .execute()
    },
    async get(db: PromotionDb, tenantId: string, key: string): Promise<TierValue | null> {
      const row = await db
        .selectFrom('tc_promoted_state')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('state_key', '=', key)
        .executeTakeFirst()
      const value = row && {
        promotionId: row.promotion_id,
        data: JSON.parse(row.data) as unknown,
        expiresAt: Number(row.expires_at),
      }
      return live(value, clock)
    },
    async delete(db: PromotionDb, tenantId: string, key: string): Promise<void> {
      await db
        .deleteFrom('tc_promoted_state')
        .where('tenant_id', '=', tenantId)
        .where('state_key', '=', key)
        .execute()
    },
  }
}

export function keyValueTier(keyValue: KeyValueStore, clock: Clock): TierStore {
  const kvKey = (tenantId: string, key: string) => `tc:promoted:${tenantId}:${key}`
  return {
    async put(tenantId, key, value) {
      const ttlMs = Math.max(1, value.expiresAt - clock.now())
      await keyValue.set(kvKey(tenantId, key), JSON.stringify(value), { ttlMs })
    },
    async get(tenantId, key) {
      const text = await keyValue.get(kvKey(tenantId, key))
      return live(text === null ? null : (JSON.parse(text) as TierValue), clock)
    },
    async delete(tenantId, key) {
      await keyValue.delete(kvKey(tenantId, key))
    },
  }
}

/** This node's memory, bounded: past `maxEntries` the least recently written value goes first. */
export function memoryTier(clock: Clock, maxEntries: number): TierStore & { size(): number; clear(): void } {
  const values = new Map<string, TierValue>()
  const mapKey = (tenantId: string, key: string) => `${tenantId}\u0000${key}`
  return {
    put(tenantId, key, value) {
      const at = mapKey(tenantId, key)
      values.delete(at)
      values.set(at, value)
      for (const [oldest, old] of values) {
        if (values.size <= maxEntries && old.expiresAt > clock.now()) break
        values.delete(oldest)
      }
      return Promise.resolve()
    },
    get(tenantId, key) {
      const at = mapKey(tenantId, key)
      const value = live(values.get(at), clock)
      if (!value) values.delete(at)
      return Promise.resolve(value)
    },
    delete(tenantId, key) {
      values.delete(mapKey(tenantId, key))
      return Promise.resolve()
    },
    size: () => values.size,
    clear: () => values.clear(),
  }
}
