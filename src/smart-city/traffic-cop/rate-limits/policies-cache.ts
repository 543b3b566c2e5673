import type { CompiledPolicy } from './compiled-policy.js'

/**
 * Each node keeps the compiled policies of recently seen tenants, tagged with the version they were loaded under
 * (`null` = no version key). The shared version key tells when to reload; the limiter's script checks it in the same
 * atomic step as the decision. Bounded: the least recently loaded tenant is dropped.
 */
export interface CachedPolicies {
  version: string | null
  policies: readonly CompiledPolicy[]
}

export interface PoliciesCache {
  peek(tenantId: string): CachedPolicies | undefined
  put(tenantId: string, entry: CachedPolicies): void
}

export function createPoliciesCache(maxTenants = 10_000): PoliciesCache {
  const entries = new Map<string, CachedPolicies>()
  return {
    peek: (tenantId) => entries.get(tenantId),
    put(tenantId, entry) {
      entries.delete(tenantId)
      entries.set(tenantId, entry)
      if (entries.size > maxTenants) entries.delete(entries.keys().next().value!)
    },
  }
}

export const policyVersionKey = (tenantId: string) => `tc:rl:ver:${tenantId}`
