import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { isPlatformError } from '../kernel/errors.js'
import type { Principal, RouteSecurity } from '../kernel/principal.js'
import { securityErrors } from '../smart-city/security-guard/errors.js'
import type { SecurityGuard } from '../smart-city/security-guard/index.js'
import { routeConfig } from './route-config.js'

/**
 * Default deny at the front door. Every route must declare `config.security` (public, authenticated, or a
 * `resource:action` permission); registering one without it throws, so a forgotten declaration cannot ship.
 * Routes added by documentation plugins under /docs are public. Identity comes only from `Authorization`;
 * headers such as X-User-Id or X-Tenant-Id are never read.
 */
export interface RouteEntry {
  method: string
  url: string
  security: RouteSecurity
}

const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>()

/** Every route the gateway registered, with its declaration (the cross-tenant sweep walks this). */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return routeTables.get(app) ?? []
}

export function requireSecurityDeclarations(app: FastifyInstance): void {
  const table: RouteEntry[] = []
  routeTables.set(app, table)
  app.addHook('onRoute', (route: RouteOptions) => {
    let security = route.config?.security
    if (!security) {
      if (!route.url.startsWith('/docs') && route.method !== 'OPTIONS') {
        throw new Error(`Route ${String(route.method)} ${route.url} declares no config.security`)
      }
      security = { public: true }
      route.config = { ...route.config, security }
    }
    if (!('public' in security)) {
      const permission = 'permission' in security ? ` Needs \`${security.permission}\`.` : ''
      route.schema = {
        ...route.schema,
        security: [{ bearer: [] }, { apiKey: [] }],
        description: `${route.schema?.description ?? ''}${permission}`.trim(),
      }
    }
    for (const method of [route.method].flat()) table.push({ method, url: route.url, security })
  })
}

/**
 * Authenticates a non-public route and checks its declared permission. Undefined when that is done at once (a
 * public route, or a principal known at once); then a refusal is thrown at once, else it is the promise's rejection.
 * Every refusal of an authenticated caller (a missing permission here, or an escalation a handler refuses) lands in
 * the tenant's audit log, through the onError hook of `installAuthentication`.
 */
export function authenticate(request: FastifyRequest, guard: SecurityGuard): Promise<void> | undefined {
  const security = routeConfig(request).security
  if (!security || 'public' in security) return undefined
  const principal = guard.authenticateHeader(request.headers.authorization)
  if (!(principal instanceof Promise)) return admit(request, security, principal, guard)
  return principal.then((known) => admit(request, security, known, guard))
}

function admit(
  request: FastifyRequest,
  security: Exclude<RouteSecurity, { public: true }>,
  principal: Principal,
  guard: SecurityGuard,
): undefined {
  request.principal = principal
  if (!('permission' in security)) return undefined
  const [resource, action] = permissionParts(security.permission)
  if (!guard.checkPermission(principal, resource, action).allowed) {
    throw securityErrors.PERMISSION_DENIED({ permission: security.permission })
  }
  return undefined
}

/** Route permissions split once each: there are as many as routes. */
const splitPermissions = new Map<string, [string, string]>()

function permissionParts(permission: string): [string, string] {
  let parts = splitPermissions.get(permission)
  if (parts === undefined) {
    parts = permission.split(':') as [string, string]
    splitPermissions.set(permission, parts)
  }
  return parts
}

/** The `principal` request slot, and the audit of refusals; `authenticate` fills the slot. */
export function installAuthentication(app: FastifyInstance, guard: SecurityGuard): void {
  app.decorateRequest('principal', null)
  app.addHook('onError', async (request, _reply, error) => {
    if (!request.principal || !isPlatformError(error) || error.kind !== 'forbidden') return
    const permission =
      typeof error.details['permission'] === 'string' ? error.details['permission'] : error.code
    await guard.recordDenial(request.principal, permission, {
      ip: request.ip,
      requestId: request.id,
      route: `${request.method} ${routeConfig(request).url ?? ''}`,
    })
  })
}
