import type { PromotionRecord } from './promotion-store.js'

/**
 * Snapshot files live at `tenants/<tenantId>/state-snapshots/<encoded key>/<promotionId>.json`. A state key may hold
 * characters a file-key segment may not (`:`), and `.`/`..` would be refused, so every character outside
 * `[A-Za-z0-9-]` becomes `_` + two hex digits: injective and always a valid segment.
 */
export function encodeKeySegment(key: string): string {
  return key.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

export function snapshotKeyOf(tenantId: string, key: string, promotionId: string): string {
  return `tenants/${tenantId}/state-snapshots/${encodeKeySegment(key)}/${promotionId}.json`
}

export interface SnapshotDocument {
  key: string
  promotionId: string
  data: Record<string, unknown>
  metadata: {
    promotedAt: string
    createdAt: string
    updatedAt: string
    stateType: string | null
    strategy: string
    tier: string
    ttlSeconds: number
    expiresAt: string
    reason: string
    scores: PromotionRecord['scores']
    tags: string[]
    previousPromotionId: string | null
    sessionId: string | null
    userId: string
    actor: PromotionRecord['actor']
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The original's metadata (timestamps, strategy, backend, state id/type, session/user, scores, tags) plus lineage. */
export function snapshotDocument(
  record: Omit<PromotionRecord, 'snapshot'>,
  data: Record<string, unknown>,
  context: { createdAt: number; userId: string },
): SnapshotDocument {
  return {
    key: record.key,
    promotionId: record.id,
    data,
    metadata: {
      promotedAt: iso(record.createdAt),
      createdAt: iso(context.createdAt),
      updatedAt: iso(record.createdAt),
      stateType: record.type,
      strategy: record.strategy,
      tier: record.tier,
      ttlSeconds: record.ttlSeconds,
      expiresAt: iso(record.expiresAt),
      reason: record.reason,
      scores: record.scores,
      tags: record.tags,
      previousPromotionId: record.previousPromotionId,
      sessionId: record.sessionId,
      userId: context.userId,
      actor: record.actor,
    },
  }
}
