import type { Awaitable } from '../../../kernel/awaitable.js'
import type { Clock } from '../../../kernel/clock.js'
import type { Logger } from '../../../kernel/logger.js'
import type { KeyValueStore, LocalKeyValueOps } from '../../../ports/key-value-store.js'
import type { CompiledPolicy, RateLimitRequest } from './compiled-policy.js'
import { createDecisionBatcher } from './decision-batcher.js'
import { rateLimitErrors } from './errors.js'
import {
  type GcraCheck,
  type GcraDecision,
  type GcraKeyVerdict,
  type GcraVerdict,
  applyGcraDecision,
} from './gcra-script.js'
import { type CachedPolicies, createPoliciesCache, policyVersionKey } from './policies-cache.js'

/** The verdict for one request under its most restrictive matching policy. */
export interface RateLimitDecision {
  allowed: boolean
  policy: string
  limit: number
  remaining: number
  resetSeconds: number
  retryAfterSeconds: number
}

export interface LimiterDeps {
  keyValue: KeyValueStore
  clock: Clock
  logger: Logger
  configPolicies: readonly CompiledPolicy[]
  onStoreError: 'open' | 'closed'
  loadTenantPolicies(tenantId: string): Promise<CompiledPolicy[]>
}

export interface Limiter {
  /**
   * Null when no policy covers the request (or the store is down and the route fails open). The decision comes at
   * once, without a promise, when the store runs in this process and the tenant's policies are loaded.
   */
  check(request: RateLimitRequest): Awaitable<RateLimitDecision | null>
}

/** Routes that must never run unlimited: they fail closed whatever SYMPHAINY_RATE_LIMIT_ON_STORE_ERROR says. */
const alwaysClosed = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/signup',
  'POST /api/v1/auth/refresh',
])
const maxStaleRetries = 3

class StoreDown extends Error {
  constructor(cause: unknown) {
    super('rate-limit store unavailable', { cause })
  }
}

interface Check extends GcraCheck {
  policy: CompiledPolicy
}

function checksFor(request: RateLimitRequest, ...lists: (readonly CompiledPolicy[])[]): Check[] {
  const checks: Check[] = []
  for (const list of lists) {
    for (const policy of list) {
      if (!policy.matches(request.method, request.path)) continue
      const key = policy.stateKey(request)
      if (key === undefined) continue
      checks.push({
        key,
        limit: policy.limit,
        windowMs: policy.windowMs,
        policy,
      })
    }
  }
  return checks
}

/** Admitted: the key with the fewest remaining (then the latest reset) binds; refused: the latest retry. */
function bindingIndex(verdicts: GcraKeyVerdict[], admitted: boolean): number {
  let best = 0
  for (let i = 1; i < verdicts.length; i++) {
    const a = verdicts[best]!
    const b = verdicts[i]!
    if (admitted) {
      if (b.remaining < a.remaining || (b.remaining === a.remaining && b.resetMs > a.resetMs)) best = i
    } else if (!b.admits && (a.admits || b.retryMs > a.retryMs)) best = i
  }
  return best
}

function toDecision(checks: Check[], verdicts: GcraKeyVerdict[], admitted: boolean): RateLimitDecision {
  const i = bindingIndex(verdicts, admitted)
  const verdict = verdicts[i]!
  return {
    allowed: admitted,
    policy: checks[i]!.policy.label,
    limit: checks[i]!.limit,
    remaining: admitted ? verdict.remaining : 0,
    resetSeconds: Math.ceil(verdict.resetMs / 1000),
    retryAfterSeconds: admitted ? 0 : Math.max(1, Math.ceil(verdict.retryMs / 1000)),
  }
}

type LocalRunner = <T>(operation: (ops: LocalKeyValueOps) => T) => T

const staleVerdict: GcraVerdict = { stale: true }

/**
 * Decides each request atomically over every matching (policy, subject) key: platform-wide policies from
 * configuration and, for an authenticated caller, the tenant's own. The decision is conditional on the tenant's
 * policy version; a stale node reloads and decides again, so a policy change applies on every node at once.
 * On a store in this process (`runLocal`) a decision is one synchronous call; on Redis, decisions in flight at once
 * share script calls (see decision-batcher.ts), each still applied on its own.
 */
export function createLimiter(deps: LimiterDeps): Limiter {
  const cache = createPoliciesCache()
  const runLocal: LocalRunner | undefined = deps.keyValue.runLocal?.bind(deps.keyValue)
  const batcher = runLocal ? undefined : createDecisionBatcher(deps)

  async function load(tenantId: string): Promise<CachedPolicies> {
    let version: string | null
    try {
      version = await deps.keyValue.get(policyVersionKey(tenantId))
    } catch (error) {
      throw new StoreDown(error)
    }
    const entry = { version, policies: await deps.loadTenantPolicies(tenantId) }
    cache.put(tenantId, entry)
    return entry
  }

  function localVerdict(local: LocalRunner, decision: GcraDecision): GcraVerdict {
    const now = deps.clock.now()
    try {
      return local((ops) => applyGcraDecision(ops, now, decision))?.verdict ?? staleVerdict
    } catch (error) {
      throw new StoreDown(error)
    }
  }

  async function remoteVerdict(decision: GcraDecision): Promise<GcraVerdict> {
    try {
      return await batcher!.decide(decision)
    } catch (error) {
      throw new StoreDown(error)
    }
  }

  function conclude(checks: Check[], verdict: GcraVerdict): RateLimitDecision | null | 'stale' {
    if (verdict.stale) return 'stale'
    return checks.length === 0 ? null : toDecision(checks, verdict.keys, verdict.admitted)
  }

  async function run(
    checks: Check[],
    version: GcraDecision['version'],
  ): Promise<RateLimitDecision | null | 'stale'> {
    if (checks.length === 0 && version === undefined) return null
    const decision = { checks, version }
    return conclude(checks, runLocal ? localVerdict(runLocal, decision) : await remoteVerdict(decision))
  }

  async function decideForTenant(
    request: RateLimitRequest,
    tenantId: string,
  ): Promise<RateLimitDecision | null> {
    let entry = cache.peek(tenantId) ?? (await load(tenantId))
    for (let attempt = 0; ; attempt++) {
      const checks = checksFor(request, deps.configPolicies, entry.policies)
      const version =
        attempt < maxStaleRetries ? { key: policyVersionKey(tenantId), expected: entry.version } : undefined
      const decision = await run(checks, version)
      if (decision !== 'stale') return decision
      entry = await load(tenantId)
    }
  }

  /** The decision in one synchronous step, or undefined when that cannot be (policies to load, a stale version). */
  function decideNow(local: LocalRunner, request: RateLimitRequest): RateLimitDecision | null | undefined {
    const tenantId = request.principal?.tenantId
    let checks: Check[]
    let version: GcraDecision['version']
    if (tenantId === undefined) checks = checksFor(request, deps.configPolicies)
    else {
      const entry = cache.peek(tenantId)
      if (entry === undefined) return undefined
      checks = checksFor(request, deps.configPolicies, entry.policies)
      version = { key: policyVersionKey(tenantId), expected: entry.version }
    }
    if (checks.length === 0 && version === undefined) return null
    const decision = conclude(checks, localVerdict(local, { checks, version }))
    return decision === 'stale' ? undefined : decision
  }

  async function decide(request: RateLimitRequest): Promise<RateLimitDecision | null> {
    const tenantId = request.principal?.tenantId
    try {
      if (tenantId !== undefined) return await decideForTenant(request, tenantId)
      const decision = await run(checksFor(request, deps.configPolicies), undefined)
      return decision === 'stale' ? null : decision
    } catch (error) {
      return storeDown(error, request)
    }
  }

  function storeDown(error: unknown, request: RateLimitRequest): null {
    if (!(error instanceof StoreDown)) throw error
    const route = `${request.method} ${request.path}`
    if (deps.onStoreError === 'closed' || alwaysClosed.has(route))
      throw rateLimitErrors.RATE_LIMIT_UNAVAILABLE({}, error.cause)
    deps.logger.warn({ err: error.cause, route }, 'rate limiter store unavailable; request admitted')
    return null
  }

  return {
    check(request) {
      if (runLocal === undefined) return decide(request)
      let decision: RateLimitDecision | null | undefined
      try {
        decision = decideNow(runLocal, request)
      } catch (error) {
        return Promise.resolve().then(() => storeDown(error, request))
      }
      return decision === undefined ? decide(request) : decision
    },
  }
}
