import type { NamedRateLimitPolicy, RateLimitScope } from '../../../kernel/rate-limit-policy.js'
import type { Principal } from '../../../kernel/principal.js'

/** A policy ready for matching: where its state keys live and which requests it covers. */
export interface CompiledPolicy {
  /** `config:<name>` for platform-wide policies, `<name>` for the tenant's own. */
  label: string
  scope: RateLimitScope
  limit: number
  windowMs: number
  matches(method: string, path: string): boolean
  /**
   * The key of the GCRA state this policy counts the request under, or undefined when the policy does not apply
   * to it: `<base>:<subject>` with the base under `tc:gcra:` (not the `tc:rl:` of the decimal states they replaced).
   */
  stateKey(request: RateLimitRequest): string | undefined
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
  const keyBase = tenantId === null ? `tc:gcra:c:${policy.name}` : `tc:gcra:t:${tenantId}:${policy.name}`
  // The key of each subject is made once: the same string every time spares the store building and hashing a new
  // one on every request. Bounded by emptying it when full.
  const keys = new Map<string, string>()
  const { scope } = policy
  return {
    label: tenantId === null ? `config:${policy.name}` : policy.name,
    scope,
    limit: policy.limit,
    windowMs: policy.windowSeconds * 1000,
    matches: (method, path) => matchers.some((match) => match(method, path)),
    stateKey(request) {
      const id = subjectIdOf(scope, request)
      if (id === undefined) return undefined
      let key = keys.get(id)
      if (key === undefined) {
        if (keys.size >= 10_000) keys.clear()
        key = `${keyBase}:${subjectPrefix[scope]}${id}`
        keys.set(id, key)
      }
      return key
    },
  }
}

const subjectPrefix = { ip: 'ip:', user: 'u:', apiKey: 'k:', tenant: 't:' } satisfies Record<
  RateLimitScope,
  string
>

/** The id a policy of this scope counts the request under, or undefined when such a policy does not apply. */
function subjectIdOf(scope: RateLimitScope, request: RateLimitRequest): string | undefined {
  const { principal } = request
  switch (scope) {
    case 'ip':
      return request.ip
    case 'user':
      return principal?.userId
    case 'apiKey':
      return principal?.apiKeyId ?? undefined
    case 'tenant':
      return principal?.tenantId
  }
}
