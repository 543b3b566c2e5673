import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import cors from '@fastify/cors'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { cityManagerRoutes } from '../smart-city/city-manager/routes.js'
import { curatorRoutes } from '../smart-city/curator/routes.js'
import { nurseRoutes } from '../smart-city/nurse/routes.js'
import { accessRoutes } from '../smart-city/security-guard/routes/access-routes.js'
import { authRoutes } from '../smart-city/security-guard/routes/auth-routes.js'
import { userRoutes } from '../smart-city/security-guard/routes/user-routes.js'
import { executionRoutes } from '../smart-city/conductor/routes/execution-routes.js'
import { taskRoutes } from '../smart-city/conductor/routes/task-routes.js'
import { workflowRoutes } from '../smart-city/conductor/routes/workflow-routes.js'
import { trafficCopRoutes } from '../smart-city/traffic-cop/routes.js'
import { postOfficeRoutes } from '../smart-city/post-office/routes.js'
import { dataStewardRoutes } from '../smart-city/data-steward/routes.js'
import { librarianRoutes } from '../smart-city/librarian/routes.js'
import { contentRoutes } from '../realms/business-enablement/content/routes.js'
import { installAdmission } from './admission.js'
import { requireSecurityDeclarations } from './authentication.js'
import { installErrorHandling } from './error-handling.js'
import type { GatewayPlatform } from './gateway-platform.js'
import { parseStrictJson } from './json-body.js'
import { installOpenApi } from './openapi.js'
import { requestIdFrom } from './request-ids.js'
import { installRequestLifecycle } from './request-lifecycle.js'
import { lazyChildLogger } from './request-logger.js'
import { installWebSocket } from './websocket.js'

export type Gateway = FastifyInstance

/**
 * The HTTP front door. Every cross-cutting rule lives here, once: request ids, strict JSON, limits, timeouts,
 * CORS, security headers, metrics, error mapping, OpenAPI. Service routes are plugins from each service's
 * `routes.ts`. The returned instance is not yet listening; tests use `inject()`.
 */
export async function buildGateway(platform: GatewayPlatform): Promise<Gateway> {
  const { server } = platform.config
  const logger: FastifyBaseLogger = platform.logger
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    genReqId: requestIdFrom(platform.ids),
    requestIdHeader: false,
    trustProxy: server.trustProxy,
    bodyLimit: server.bodyLimitBytes,
    requestTimeout: server.requestTimeoutMs,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  requireSecurityDeclarations(app)
  installErrorHandling(app, server.bodyLimitBytes)
  installRequestLifecycle(app, platform)
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    ['application/json', 'application/merge-patch+json'],
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, parseStrictJson(body as string, server.jsonMaxDepth))
      } catch (error) {
        done(error as Error, undefined)
      }
    },
  )
  if (server.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: server.corsOrigins.includes('*') ? true : server.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'if-match', 'x-request-id'],
      exposedHeaders: [
        'x-request-id',
        'etag',
        'retry-after',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
      ],
      maxAge: 600,
    })
  }
  await installOpenApi(app, platform.version)
  installAdmission(app, platform.services.securityGuard, platform.services.trafficCop.rateLimits)
  await installWebSocket(app, {
    guard: platform.services.securityGuard,
    hub: platform.services.trafficCop.realtime,
    heartbeatMs: platform.config.trafficCop.wsHeartbeatMs,
    corsOrigins: server.corsOrigins,
    authTimeoutMs: server.wsAuthTimeoutMs,
    maxFrameBytes: server.wsMaxFrameBytes,
  })

  const { curator, nurse, cityManager, securityGuard } = platform.services
  await app.register(authRoutes(securityGuard))
  await app.register(userRoutes(securityGuard))
  await app.register(accessRoutes(securityGuard))
  await app.register(trafficCopRoutes(platform.services.trafficCop))
  await app.register(postOfficeRoutes(platform.services.postOffice))
  await app.register(dataStewardRoutes(platform.services.dataSteward))
  await app.register(librarianRoutes(platform.services.librarian))
  await app.register(contentRoutes(platform.services.content))
  await app.register(nurseRoutes(nurse))
  await app.register(curatorRoutes(curator))
  await app.register(cityManagerRoutes(cityManager))
  await app.register(workflowRoutes(platform.services.conductor))
  await app.register(executionRoutes(platform.services.conductor))
  await app.register(taskRoutes(platform.services.conductor))
  return app
}
