/**
 * The shape of a rate-limit policy, shared by the configuration (SYMPHAINY_RATE_LIMIT_POLICIES) and the Traffic
 * Cop's API. A route is `METHOD /path` or `/path`, with `*` allowed only as the last character (a prefix match);
 * it is matched against the request's URL path without the query string.
 */
export const rateLimitScopes = ['user', 'apiKey', 'tenant', 'ip'] as const
export type RateLimitScope = (typeof rateLimitScopes)[number]

export interface RateLimitPolicySpec {
  scope: RateLimitScope
  limit: number
  windowSeconds: number
  routes: string[]
}

export interface NamedRateLimitPolicy extends RateLimitPolicySpec {
  name: string
}

export const rateLimitBounds = {
  namePattern: '^[a-z][a-z0-9-]{0,39}$',
  routePattern: '^((GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) )?/[^\\s*?#]{0,500}\\*?$',
  maxLimit: 1_000_000,
  maxWindowSeconds: 86_400,
  maxRoutes: 50,
} as const

const nameRegex = new RegExp(rateLimitBounds.namePattern)
const routeRegex = new RegExp(rateLimitBounds.routePattern)

function wholeIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
}

/** What is wrong with a policy, one phrase per problem; empty when it is valid. */
export function rateLimitPolicyProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return ['a policy must be an object']
  const policy = value as Record<string, unknown>
  const problems: string[] = []
  if (!(rateLimitScopes as readonly unknown[]).includes(policy['scope']))
    problems.push(`scope must be one of ${rateLimitScopes.join(', ')}`)
  if (!wholeIn(policy['limit'], 1, rateLimitBounds.maxLimit))
    problems.push(`limit must be a whole number from 1 to ${rateLimitBounds.maxLimit}`)
  if (!wholeIn(policy['windowSeconds'], 1, rateLimitBounds.maxWindowSeconds))
    problems.push(`windowSeconds must be a whole number from 1 to ${rateLimitBounds.maxWindowSeconds}`)
  const routes = policy['routes']
  if (!Array.isArray(routes) || routes.length === 0 || routes.length > rateLimitBounds.maxRoutes)
    problems.push(`routes must be a list of 1 to ${rateLimitBounds.maxRoutes} routes`)
  else
    for (const route of routes)
      if (typeof route !== 'string' || !routeRegex.test(route))
        problems.push(`route ${JSON.stringify(route)} must be "METHOD /path" or "/path", "*" only at the end`)
  return problems
}

/** Parses the JSON array of named policies from the configuration; problems name the policy they are about. */
export function parseRateLimitPolicies(raw: string): {
  policies: NamedRateLimitPolicy[]
  problems: string[]
} {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return {
      policies: [],
      problems: ['it is not JSON; give an array of {name, scope, limit, windowSeconds, routes}'],
    }
  }
  if (!Array.isArray(parsed)) return { policies: [], problems: ['give a JSON array of policies'] }
  const problems: string[] = []
  const names = new Set<string>()
  parsed.forEach((entry: unknown, index) => {
    const name = (entry as { name?: unknown } | null)?.name
    const label = typeof name === 'string' ? `policy "${name}"` : `policy #${index + 1}`
    if (typeof name !== 'string' || !nameRegex.test(name))
      problems.push(`${label}: name must match ${rateLimitBounds.namePattern}`)
    else if (names.has(name)) problems.push(`${label}: the name is used twice`)
    else names.add(name)
    for (const problem of rateLimitPolicyProblems(entry)) problems.push(`${label}: ${problem}`)
  })
  if (problems.length > 0) return { policies: [], problems }
  const policies = (parsed as NamedRateLimitPolicy[]).map(
    ({ name, scope, limit, windowSeconds, routes }) => ({
      name,
      scope,
      limit,
      windowSeconds,
      routes: [...routes],
    }),
  )
  return { policies, problems }
}
