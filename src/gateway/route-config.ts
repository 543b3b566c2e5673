import { createRequire } from 'node:module'
import type { FastifyContextConfig, FastifyRequest } from 'fastify'

export type RouteConfig = FastifyContextConfig & { url?: string }

const routeContext: symbol | undefined = (
  createRequire(import.meta.url)('fastify/lib/symbols.js') as { kRouteContext?: symbol }
).kRouteContext

/**
 * The matched route's `config`, with the `url` Fastify adds to it (no url when no route matched).
 * `request.routeOptions` is the public way, but every read builds a fresh object of a dozen fields, and the gateway
 * reads the route on every request; Fastify keeps the same config object in the request's route context, behind a
 * symbol of `fastify/lib/symbols.js` (the version pinned by package-lock.json; route-config.test.ts checks both
 * ways agree). If a Fastify upgrade drops the symbol, this falls back to the public getter.
 */
export function routeConfig(request: FastifyRequest): RouteConfig {
  const context =
    routeContext === undefined
      ? undefined
      : (request as unknown as Record<symbol, { config?: RouteConfig } | undefined>)[routeContext]
  return context?.config ?? { ...request.routeOptions.config, url: request.routeOptions.url }
}
