import type { FastifyRequest } from 'fastify'
import { kernelErrors } from './kernel-errors.js'

/**
 * Who is calling, as established by the Security Guard from the request's credentials — never from client
 * headers. Every tenant-scoped query takes `principal.tenantId`.
 */
export interface Principal {
  kind: 'user' | 'api_key'
  tenantId: string
  /** The user, or for an API key the user who created it (the key acts on their behalf). */
  userId: string
  apiKeyId: string | null
  /** The login session (refresh-token family) an access token belongs to. */
  sessionId: string | null
  roles: string[]
  permissions: string[]
}

/**
 * What a route declares about access; the gateway refuses to register a route without one.
 * - `public`: no credentials needed (health, sign-up, login …).
 * - `authenticated`: any valid principal; the handler decides the rest.
 * - `permission`: `resource:action` the principal's roles must grant.
 */
export type RouteSecurity = { public: true } | { authenticated: true } | { permission: `${string}:${string}` }

declare module 'fastify' {
  interface FastifyContextConfig {
    security?: RouteSecurity
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

/** The authenticated caller of a non-public route. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw kernelErrors.PRINCIPAL_MISSING()
  return request.principal
}
