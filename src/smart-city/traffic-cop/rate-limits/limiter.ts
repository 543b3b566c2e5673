import type { Clock } from '../../../kernel/clock.js'
import type { Logger } from '../../../kernel/logger.js'
import type { KeyValueStore, ScriptResult } from '../../../ports/key-value-store.js'
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

/**
 * Decides each request with one atomic script call over every matching (policy, subject) key: platform-wide
 * policies from configuration and, for an authenticated caller, the tenant's own. The call is conditional on the
 * tenant's policy version; a stale node reloads and decides again, so a policy change applies on every node at once.
 */
export function createLimiter(deps: LimiterDeps): Limiter {
  const cache = createPoliciesCache()

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

  async function run(
    checks: Check[],
    version: { key: string; expected: string | null } | undefined,
  ): Promise<RateLimitDecision | null | 'stale'> {
    if (checks.length === 0 && version === undefined) return null
    const now = deps.clock.now()
    const call = gcraCall(now, checks, version)
    let reply: ScriptResult
    try {
      reply = await deps.keyValue.runScript(gcraScript, call.keys, call.args)
    } catch (error) {
      throw new StoreDown(error)
    }
    const verdict = parseGcraReply(reply, now, checks)
    if (verdict.stale) return 'stale'
    return checks.length === 0 ? null : toDecision(checks, verdict.keys, verdict.admitted)
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
    async check(request) {
      const tenantId = request.principal?.tenantId
      try {
        if (tenantId !== undefined) return await decideForTenant(request, tenantId)
        const decision = await run(checksFor(request, deps.configPolicies), undefined)
        return decision === 'stale' ? null : decision
      } catch (error) {
        return storeDown(error, request)
      }
    },
  }
}
