import type { Clock } from '../../../kernel/clock.js'
import type { Logger } from '../../../kernel/logger.js'
import type { KeyValueStore } from '../../../ports/key-value-store.js'
import { type CompiledPolicy, type RateLimitRequest, subjectOf } from './compiled-policy.js'
import { rateLimitErrors } from './errors.js'
import { type GcraCheck, type GcraKeyVerdict, gcraCall, gcraScript, parseGcraReply } from './gcra-script.js'
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
  /** Null when no policy covers the request (or the store is down and the route fails open). */
  check(request: RateLimitRequest): Promise<RateLimitDecision | null>
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

const storeDown = (error: unknown): never => {
  throw new StoreDown(error)
}

function storeCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return operation().catch(storeDown)
  } catch (error) {
    return Promise.reject(new StoreDown(error))
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
      const subject = subjectOf(policy.scope, request)
      if (subject === undefined) continue
      checks.push({
        key: `${policy.keyBase}:${subject}`,
        limit: policy.limit,
        windowMs: policy.windowMs,
        policy,
      })
    }
  }
  return checks
}

function toDecision(checks: Check[], verdicts: GcraKeyVerdict[], admitted: boolean): RateLimitDecision {
  const pairs = checks.map((check, i) => ({ check, verdict: verdicts[i]! }))
  const refusing = pairs.filter((p) => !p.verdict.admits)
  const binding = admitted
    ? pairs.reduce((a, b) =>
        b.verdict.remaining < a.verdict.remaining ||
        (b.verdict.remaining === a.verdict.remaining && b.verdict.resetMs > a.verdict.resetMs)
          ? b
          : a,
      )
    : refusing.reduce((a, b) => (b.verdict.retryMs > a.verdict.retryMs ? b : a))
  return {
    allowed: admitted,
    policy: binding.check.policy.label,
    limit: binding.check.limit,
    remaining: admitted ? binding.verdict.remaining : 0,
    resetSeconds: Math.ceil(binding.verdict.resetMs / 1000),
    retryAfterSeconds: admitted ? 0 : Math.max(1, Math.ceil(binding.verdict.retryMs / 1000)),
  }
}

/**
 * Decides each request with one atomic script call over every matching (policy, subject) key: platform-wide
 * policies from configuration and, for an authenticated caller, the tenant's own. The call is conditional on the
 * tenant's policy version; a stale node reloads and decides again, so a policy change applies on every node at once.
 */
export function createLimiter(deps: LimiterDeps): Limiter {
  const cache = createPoliciesCache()

  async function load(tenantId: string): Promise<CachedPolicies> {
    const version = await storeCall(() => deps.keyValue.get(policyVersionKey(tenantId)))
    const entry = { version, policies: await deps.loadTenantPolicies(tenantId) }
    cache.put(tenantId, entry)
    return entry
  }

  async function decide(request: RateLimitRequest): Promise<RateLimitDecision | null> {
    const tenantId = request.principal?.tenantId
    if (tenantId === undefined) {
      const checks = checksFor(request, deps.configPolicies)
      const decision = await run(checks, undefined)
      return decision === 'stale' ? null : decision
    }
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

  async function run(
    checks: Check[],
    version: { key: string; expected: string | null } | undefined,
  ): Promise<RateLimitDecision | null | 'stale'> {
    if (checks.length === 0 && version === undefined) return null
    const call = gcraCall(deps.clock.now(), checks, version)
    const reply = await storeCall(() => deps.keyValue.runScript(gcraScript, call.keys, call.args))
    const verdict = parseGcraReply(reply)
    if (verdict.stale) return 'stale'
    return checks.length === 0 ? null : toDecision(checks, verdict.keys, verdict.admitted)
  }

  return {
    async check(request) {
      try {
        return await decide(request)
      } catch (error) {
        if (!(error instanceof StoreDown)) throw error
        const route = `${request.method} ${request.path}`
        if (deps.onStoreError === 'closed' || alwaysClosed.has(route))
          throw rateLimitErrors.RATE_LIMIT_UNAVAILABLE({}, error.cause)
        deps.logger.warn({ err: error.cause, route }, 'rate limiter store unavailable; request admitted')
        return null
      }
    },
  }
}
