import type { PageRequest } from '../../../kernel/pagination.js'
import type { Principal } from '../../../kernel/principal.js'
import type { TrafficCopDeps, TrafficCopModule } from '../module.js'
import {
  type PromotionAnalysis,
  type PromotionReason,
  type PromotionStrategy,
  type StateInput,
  type StateScores,
  type StateTier,
  analyzeState,
} from './analyzer.js'
import { promotionErrors } from './errors.js'
import { type PromotionRecord, promotionStore } from './promotion-store.js'
import { snapshotDocument, snapshotKeyOf } from './snapshot.js'
import { promotionDb } from './tables.js'
import { type TierStore, type TierValue, keyValueTier, memoryTier, sqlTier } from './tiers.js'

export interface PromoteInput extends StateInput {
  sessionId?: string
}

export interface PromotionDecision {
  promoted: boolean
  reason: string
  strategy: PromotionStrategy
  tier: StateTier
  ttlSeconds: number
  scores: StateScores
  promotionId?: string
  expiresAt?: number
  snapshot?: PromotionRecord['snapshot']
}

export interface Lineage {
  key: string
  /** The value the latest promotion stored, or null once it expired (or it sits in another node's memory). */
  current: { promotionId: string; tier: StateTier; expiresAt: number; data: unknown } | null
  items: PromotionRecord[]
  nextCursor: string | null
}

export interface StatePromotion extends TrafficCopModule {
  promote(principal: Principal, key: string, input: PromoteInput): Promise<PromotionDecision>
  history(
    principal: Principal,
    filter: { key?: string },
    page: PageRequest,
  ): Promise<{
    items: PromotionRecord[]
    nextCursor: string | null
  }>
  lineage(principal: Principal, key: string, page: PageRequest): Promise<Lineage>
}

type Analysis = PromotionAnalysis & { reason: PromotionReason }

const attempts = 3
const memoryTierEntries = 10_000

/**
 * Promotion: analyze; when recommended, write the snapshot file, then commit the history row (and the SQL tier's
 * value) in one transaction, then write the key-value or memory tier. A key's promotions are numbered, so two
 * racing promotions cannot both claim one predecessor: the loser retries on top of the winner.
 */
export function createStatePromotion(deps: TrafficCopDeps): StatePromotion {
  const { database, files, clock, ids } = deps
  const db = promotionDb(database)
  const sql = sqlTier(clock)
  const keyValue = keyValueTier(deps.keyValue, clock)
  const memory = memoryTier(clock, memoryTierEntries)
  const outOfSql: Record<Exclude<StateTier, 'sql'>, TierStore> = { 'key-value': keyValue, memory }

  async function readTier(tier: StateTier, tenantId: string, key: string): Promise<TierValue | null> {
    return tier === 'sql' ? sql.get(db, tenantId, key) : outOfSql[tier].get(tenantId, key)
  }

  async function placeValue(tier: StateTier, tenantId: string, key: string, value: TierValue) {
    for (const [name, store] of Object.entries(outOfSql)) {
      if (name === tier) await store.put(tenantId, key, value)
      else await store.delete(tenantId, key)
    }
  }

  async function attempt(principal: Principal, key: string, input: PromoteInput, analysis: Analysis) {
    const { tenantId } = principal
    const head = await promotionStore.head(db, tenantId, key)
    const createdAt = head ? ((await promotionStore.firstAt(db, tenantId, key)) ?? head.createdAt) : undefined
    const now = clock.now()
    const id = ids.next('prm')
    const base: Omit<PromotionRecord, 'snapshot'> = {
      id,
      tenantId,
      key,
      seq: (head?.seq ?? 0) + 1,
      previousPromotionId: head?.id ?? null,
      type: input.type ?? null,
      tags: [...new Set(input.tags ?? [])],
      strategy: analysis.strategy,
      tier: analysis.tier,
      ttlSeconds: analysis.ttlSeconds,
      expiresAt: now + analysis.ttlSeconds * 1000,
      reason: analysis.reason,
      scores: analysis.scores,
      actor: principal.apiKeyId
        ? { type: 'api_key', id: principal.apiKeyId }
        : { type: 'user', id: principal.userId },
      sessionId: input.sessionId ?? null,
      createdAt: now,
    }
    const snapshotKey = snapshotKeyOf(tenantId, key, id)
    const document = snapshotDocument(base, input.data, {
      createdAt: createdAt ?? now,
      userId: principal.userId,
    })
    const stored = await files.put(snapshotKey, JSON.stringify(document))
    const record: PromotionRecord = {
      ...base,
      snapshot: { key: snapshotKey, size: stored.size, sha256: stored.sha256 ?? '' },
    }
    const value: TierValue = { promotionId: id, data: input.data, expiresAt: record.expiresAt }
    try {
      await database.transaction(async (trx) => {
        await promotionStore.insert(trx, record)
        if (record.tier === 'sql') await sql.put(trx, tenantId, key, value)
        else await sql.delete(trx, tenantId, key)
      })
    } catch (error) {
      await files.delete(snapshotKey).catch(() => false)
      if (database.classifyError(error) === 'unique_violation') return undefined
      throw error
    }
    await placeValue(record.tier, tenantId, key, value)
    return record
  }

  return {
    async promote(principal, key, input) {
      const analysis = analyzeState(input)
      const decision = {
        strategy: analysis.strategy,
        tier: analysis.tier,
        ttlSeconds: analysis.ttlSeconds,
        scores: analysis.scores,
      }
      if (analysis.reason === null)
        return { promoted: false, reason: 'promotion_not_recommended', ...decision }
      for (let i = 0; i < attempts; i++) {
        const record = await attempt(principal, key, input, { ...analysis, reason: analysis.reason })
        if (record) {
          const { id: promotionId, expiresAt, snapshot } = record
          return { promoted: true, reason: analysis.reason, ...decision, promotionId, expiresAt, snapshot }
        }
      }
      throw promotionErrors.PROMOTION_CONFLICT({ key })
    },

    history: (principal, filter, page) => promotionStore.list(db, principal.tenantId, filter, page),

    async lineage(principal, key, page) {
      const head = await promotionStore.head(db, principal.tenantId, key)
      if (!head) throw promotionErrors.STATE_KEY_NOT_FOUND({ key })
      const value = await readTier(head.tier, principal.tenantId, key)
      const current =
        value && value.promotionId === head.id
          ? { promotionId: head.id, tier: head.tier, expiresAt: value.expiresAt, data: value.data }
          : null
      return { key, current, ...(await promotionStore.chain(db, principal.tenantId, key, page)) }
    },

    stop() {
      memory.clear()
      return Promise.resolve()
    },
    health: () => Promise.resolve({ memoryTierEntries: memory.size() }),
  }
}
