/**
 * The state-promotion analyzer of the original design (original-system.md §4), as pure functions: three scores, a
 * strategy with its storage tier and TTL, and whether the state should be promoted at all (with the reason).
 */
export type PromotionStrategy = 'immediate_persist' | 'delayed_persist' | 'cache_only'
/** IMMEDIATE → SQL, DELAYED → the key-value store, CACHE_ONLY → this node's memory. */
export type StateTier = 'sql' | 'key-value' | 'memory'

export interface StateInput {
  data: Record<string, unknown>
  type?: string
  tags?: readonly string[]
  importance?: number
  promote?: boolean
  context?: PromotionContext
}

export interface PromotionContext {
  persistentSession?: boolean
  userPreferences?: { persistentState?: boolean }
}

export interface StateScores {
  complexity: number
  size: number
  importance: number
}

export type PromotionReason =
  'explicit_flag' | 'persistent_session' | 'critical_data' | 'user_preference' | 'critical_state_type'

export interface PromotionAnalysis {
  scores: StateScores
  strategy: PromotionStrategy
  tier: StateTier
  ttlSeconds: number
  /** null: the original's `promotion_not_recommended`. */
  reason: PromotionReason | null
}

const minute = 60
const hour = 60 * minute
const day = 24 * hour

/** Fields whose presence marks critical data; the original's snake_case names and their camelCase twins count once. */
export const criticalFields = [
  ['user_id', 'userId'],
  ['session_id', 'sessionId'],
  ['transaction_id', 'transactionId'],
  ['workflow_id', 'workflowId'],
] as const

const typeBonus: ReadonlyMap<string, number> = new Map([
  ['authentication', 3],
  ['authorization', 3],
  ['payment', 3],
  ['workflow', 2],
  ['session', 2],
  ['user', 2],
  ['cache', 0],
  ['temporary', 0],
])
const tagBonus: ReadonlyMap<string, number> = new Map([
  ['critical', 3],
  ['persistent', 2],
])
const criticalTypes = new Set(['authentication', 'authorization', 'payment', 'workflow'])

export function complexityScore(data: Record<string, unknown>): number {
  let score = 2 * Object.keys(data).length
  for (const value of Object.values(data)) {
    if (Array.isArray(value)) score += 1.2 * value.length
    else if (typeof value === 'object' && value !== null) score += 1.5 * Object.keys(value).length
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      score += 0.5
    // null (Python's None) is neither a container nor a scalar there
    else score += 2
  }
  return Math.trunc(Math.min(score, 100))
}

export function sizeScore(data: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(data), 'utf8')
}

export function presentCriticalFields(data: Record<string, unknown>): number {
  return criticalFields.filter((names) => names.some((name) => Object.hasOwn(data, name))).length
}

export function importanceScore(input: StateInput): number {
  let score = Math.max(1, input.importance ?? 1)
  score += 2 * presentCriticalFields(input.data)
  if (input.type !== undefined) score += typeBonus.get(input.type) ?? 0
  for (const tag of new Set(input.tags ?? [])) score += tagBonus.get(tag) ?? 0
  return Math.min(score, 10)
}

export function chooseStrategy(scores: StateScores): PromotionStrategy {
  if (scores.complexity > 10 || scores.size > 1000 || scores.importance > 8) return 'immediate_persist'
  if (scores.complexity > 5 || scores.size > 500 || scores.importance > 5) return 'delayed_persist'
  return 'cache_only'
}

export function tierOf(strategy: PromotionStrategy): StateTier {
  switch (strategy) {
    case 'immediate_persist':
      return 'sql'
    case 'delayed_persist':
      return 'key-value'
    case 'cache_only':
      return 'memory'
  }
}

export function ttlSecondsOf(strategy: PromotionStrategy, importance: number): number {
  if (strategy === 'cache_only') return 15 * minute
  if (importance >= 8) return 7 * day
  if (importance >= 5) return day
  return hour
}

export function promotionReason(input: StateInput): PromotionReason | null {
  if (input.promote === true) return 'explicit_flag'
  if (input.context?.persistentSession === true) return 'persistent_session'
  if (presentCriticalFields(input.data) > 0) return 'critical_data'
  if (input.context?.userPreferences?.persistentState === true) return 'user_preference'
  if (input.type !== undefined && criticalTypes.has(input.type)) return 'critical_state_type'
  return null
}

export function analyzeState(input: StateInput): PromotionAnalysis {
  const scores = {
    complexity: complexityScore(input.data),
    size: sizeScore(input.data),
    importance: importanceScore(input),
  }
  const strategy = chooseStrategy(scores)
  return {
    scores,
    strategy,
    tier: tierOf(strategy),
    ttlSeconds: ttlSecondsOf(strategy, scores.importance),
    reason: promotionReason(input),
  }
}
