/**
 * Role-based permissions of the form `resource:action`, where either part may be `*`. Deny by default: a principal
 * may do exactly what one of its permissions matches, nothing else. Built-in roles are fixed in code; tenants add
 * custom roles. Role definitions are untrusted input: they are validated strings, never evaluated.
 */
export const permissionPattern = /^(\*|[a-z][a-z0-9-]{0,39}):(\*|[a-z][a-z0-9-]{0,39})$/
export const roleNamePattern = /^[a-z][a-z0-9-]{1,39}$/

/** Tenant data that members work on. */
export const dataResources = [
  'session',
  'state',
  'workflow',
  'execution',
  'task',
  'message',
  'mailbox',
  'event',
  'subscription',
  'agent',
  'document',
  'file',
  'schema',
  'dataset',
  'lineage',
  'journey',
  'solution',
  'delivery',
  'preference',
  'interaction',
] as const

/** Administration of the tenant and the platform; only admins (`*:*`) hold these. */
export const adminResources = [
  'user',
  'role',
  'api-key',
  'audit',
  'rate-limit',
  'traffic',
  'platform',
  'permission',
  'service',
  'use-case',
] as const

export const dataActions = ['read', 'create', 'update', 'delete', 'execute'] as const

export const builtInRoles: Readonly<Record<string, readonly string[]>> = {
  admin: ['*:*'],
  member: [
    ...dataResources.map((r) => `${r}:*`),
    'user:read',
    'role:read',
    'service:read',
    'service:proxy',
    'use-case:read',
    'api-key:create',
    'api-key:read',
    'api-key:delete',
  ],
  viewer: [
    ...dataResources.map((r) => `${r}:read`),
    'user:read',
    'role:read',
    'service:read',
    'use-case:read',
  ],
}

export function isBuiltInRole(name: string): boolean {
  return Object.hasOwn(builtInRoles, name)
}

function split(permission: string): [string, string] {
  const index = permission.indexOf(':')
  return [permission.slice(0, index), permission.slice(index + 1)]
}

/** Whether `granted` (which may hold wildcards) allows `resource:action` (taken literally). */
export function grants(granted: string, resource: string, action: string): boolean {
  const [r, a] = split(granted)
  return (r === '*' || r === resource) && (a === '*' || a === action)
}

export interface PermissionDecision {
  allowed: boolean
  reason: string
}

export function decide(permissions: readonly string[], resource: string, action: string): PermissionDecision {
  const match = permissions.find((p) => grants(p, resource, action))
  return match === undefined
    ? { allowed: false, reason: `no role grants ${resource}:${action}` }
    : { allowed: true, reason: `granted by ${match}` }
}

/** Whether holding `held` already allows everything `requested` would (used to stop privilege escalation). */
export function covers(held: readonly string[], requested: readonly string[]): boolean {
  return requested.every((p) => {
    const [r, a] = split(p)
    return held.some((h) => grants(h, r, a))
  })
}

/** Permissions of a set of role names; names that are neither built in nor defined by the tenant grant nothing. */
export function permissionsOf(
  roles: readonly string[],
  customRoles: ReadonlyMap<string, readonly string[]>,
): string[] {
  const all = new Set<string>()
  for (const role of roles) {
    const granted = isBuiltInRole(role) ? builtInRoles[role] : customRoles.get(role)
    for (const permission of granted ?? []) all.add(permission)
  }
  return [...all]
}

/**
 * The permissions allowed by both sets: the union of the pairwise overlaps of their `resource:action` patterns
 * (an API key never does more than its creator may do now, whatever roles it was given).
 */
export function intersect(a: readonly string[], b: readonly string[]): string[] {
  const meet = (x: string, y: string) => (x === '*' ? y : y === '*' || x === y ? x : undefined)
  const out = new Set<string>()
  for (const p of a) {
    const [pr, pa] = split(p)
    for (const q of b) {
      const [qr, qa] = split(q)
      const resource = meet(pr, qr)
      const action = meet(pa, qa)
      if (resource !== undefined && action !== undefined) out.add(`${resource}:${action}`)
    }
  }
  return [...out]
}
