import type { Awaitable } from '../../../kernel/awaitable.js'
import type { Principal } from '../../../kernel/principal.js'
import {
  type NamedRateLimitPolicy,
  type RateLimitPolicySpec,
  rateLimitBounds,
  rateLimitPolicyProblems,
} from '../../../kernel/rate-limit-policy.js'
import type { TrafficCopDeps, TrafficCopModule } from '../module.js'
import { type RateLimitRequest, compilePolicy } from './compiled-policy.js'
import { rateLimitErrors } from './errors.js'
import { type RateLimitDecision, createLimiter } from './limiter.js'
import { policyVersionKey } from './policies-cache.js'
import { type TenantPolicyRecord, createPoliciesStore } from './policies-store.js'

export const maxPoliciesPerTenant = 100

export interface PolicyView extends NamedRateLimitPolicy {
  source: 'config' | 'tenant'
  createdAt: string | null
  updatedAt: string | null
}

/**
 * Rate limiting: platform-wide policies from SYMPHAINY_RATE_LIMIT_POLICIES apply to every tenant (and, for `ip`
 * scope, to unauthenticated requests); a tenant's own policies apply to its principals only.
 */
export interface RateLimits {
  /** See `Limiter.check`: at once when it can be, else a promise. */
  check(request: RateLimitRequest): Awaitable<RateLimitDecision | null>
  list(principal: Principal): Promise<PolicyView[]>
  put(
    principal: Principal,
    name: string,
    spec: RateLimitPolicySpec,
  ): Promise<{ policy: PolicyView; created: boolean }>
  remove(principal: Principal, name: string): Promise<void>
}

const iso = (ms: number) => new Date(ms).toISOString()
const nameRegex = new RegExp(rateLimitBounds.namePattern)

function tenantView(record: TenantPolicyRecord): PolicyView {
  const { name, scope, limit, windowSeconds, routes } = record
  const times = { createdAt: iso(record.createdAt), updatedAt: iso(record.updatedAt) }
  return { name, source: 'tenant', scope, limit, windowSeconds, routes, ...times }
}

export function createRateLimitsModule(deps: TrafficCopDeps): {
  rateLimits: RateLimits
  module: TrafficCopModule
} {
  const { rateLimitPolicies, rateLimitOnStoreError } = deps.config.trafficCop
  const store = createPoliciesStore(deps.database)
  const limiter = createLimiter({
    keyValue: deps.keyValue,
    clock: deps.clock,
    logger: deps.logger,
    configPolicies: rateLimitPolicies.map((policy) => compilePolicy(policy, null)),
    onStoreError: rateLimitOnStoreError,
    loadTenantPolicies: async (tenantId) =>
      (await store.list(tenantId)).map((policy) => compilePolicy(policy, tenantId)),
  })
  const changed = (tenantId: string) => deps.keyValue.set(policyVersionKey(tenantId), deps.ids.next('rlv'))

  const rateLimits: RateLimits = {
    check: (request) => limiter.check(request),
    async list(principal) {
      const own = (await store.list(principal.tenantId)).map(tenantView)
      const platform = rateLimitPolicies.map((p): PolicyView => ({
        ...p,
        source: 'config',
        createdAt: null,
        updatedAt: null,
      }))
      return [...platform, ...own]
    },
    async put(principal, name, spec) {
      const problems = nameRegex.test(name) ? [] : [`name must match ${rateLimitBounds.namePattern}`]
      problems.push(...rateLimitPolicyProblems(spec))
      if (problems.length > 0)
        throw rateLimitErrors.RATE_LIMIT_POLICY_INVALID({ problems: problems.join('; ') })
      const existing = await store.list(principal.tenantId)
      if (!existing.some((p) => p.name === name) && existing.length >= maxPoliciesPerTenant)
        throw rateLimitErrors.RATE_LIMIT_POLICIES_TOO_MANY({ max: maxPoliciesPerTenant })
      const now = deps.clock.now()
      const record: TenantPolicyRecord = {
        tenantId: principal.tenantId,
        name,
        scope: spec.scope,
        limit: spec.limit,
        windowSeconds: spec.windowSeconds,
        routes: [...spec.routes],
        createdAt: now,
        updatedAt: now,
      }
      let created: boolean
      try {
        created = await store.upsert(record)
      } catch (error) {
        if (deps.database.classifyError(error) !== 'unique_violation') throw error
        created = await store.upsert(record)
      }
      await changed(principal.tenantId)
      const saved = (await store.list(principal.tenantId)).find((p) => p.name === name) ?? record
      return { policy: tenantView(saved), created }
    },
    async remove(principal, name) {
      if (!(await store.delete(principal.tenantId, name)))
        throw rateLimitErrors.RATE_LIMIT_POLICY_NOT_FOUND({ name })
      await changed(principal.tenantId)
    },
  }
  return { rateLimits, module: {} }
}
