import type { NamedRateLimitPolicy, RateLimitScope } from '../../../kernel/rate-limit-policy.js'
import type { Principal } from '../../../kernel/principal.js'

/** A policy ready for matching: where its state keys live and which requests it covers. */
export interface CompiledPolicy {
  /** `config:<name>` for platform-wide policies, `<name>` for the tenant's own. */
  label: string
  /** Where the policy's GCRA states live (`tc:gcra:`, not the `tc:rl:` of the decimal states they replaced). */
  keyBase: string
  scope: RateLimitScope
  limit: number
  windowMs: number
  matches(method: string, path: string): boolean
}

export interface RateLimitRequest {
  method: string
  /** The URL path without the query string. */
  path: string
  ip: string
  principal: Principal | null
}

function routeMatcher(route: string): (method: string, path: string) => boolean {
  const space = route.indexOf(' ')
  const method = space === -1 ? undefined : route.slice(0, space)
  const pattern = space === -1 ? route : route.slice(space + 1)
  const prefix = pattern.endsWith('*') ? pattern.slice(0, -1) : undefined
  return (m, path) =>
    (method === undefined || method === m) &&
    (prefix === undefined ? path === pattern : path.startsWith(prefix))
}

export function compilePolicy(policy: NamedRateLimitPolicy, tenantId: string | null): CompiledPolicy {
  const matchers = policy.routes.map(routeMatcher)
  return {
    label: tenantId === null ? `config:${policy.name}` : policy.name,
    keyBase: tenantId === null ? `tc:gcra:c:${policy.name}` : `tc:gcra:t:${tenantId}:${policy.name}`,
    scope: policy.scope,
    limit: policy.limit,
    windowMs: policy.windowSeconds * 1000,
    matches: (method, path) => matchers.some((match) => match(method, path)),
  }
}

/** The subject a policy counts for this request, or undefined when the policy does not apply to it. */
export function subjectOf(scope: RateLimitScope, request: RateLimitRequest): string | undefined {
  const { principal } = request
  switch (scope) {
    case 'ip':
      return `ip:${request.ip}`
    case 'user':
      return principal ? `u:${principal.userId}` : undefined
    case 'apiKey':
      return principal?.apiKeyId ? `k:${principal.apiKeyId}` : undefined
    case 'tenant':
      return principal ? `t:${principal.tenantId}` : undefined
  }
}
