import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify'
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
import { installTrafficAnalytics } from '../smart-city/traffic-cop/analytics/index.js'
import { installAuthentication, requireSecurityDeclarations } from './authentication.js'
import { kernelErrors } from '../kernel/kernel-errors.js'
import { installErrorHandling, sendError } from './error-handling.js'
import { gatewayErrors } from './errors.js'
import type { GatewayPlatform } from './gateway-platform.js'
import { parseStrictJson } from './json-body.js'
import { installRateLimiting } from './rate-limiting.js'
import { installOpenApi } from './openapi.js'
import { installRequestIdHeader, requestIdFrom } from './request-ids.js'
import { installSecurityHeaders } from './security-headers.js'
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
    disableRequestLogging: true,
    genReqId: requestIdFrom(platform.ids),
    requestIdHeader: false,
    bodyLimit: server.bodyLimitBytes,
    requestTimeout: server.requestTimeoutMs,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  requireSecurityDeclarations(app)
  installErrorHandling(app, server.bodyLimitBytes)
  installRequestIdHeader(app)
  installSecurityHeaders(app)
  installRequestTimeout(app, server.requestTimeoutMs)
  installDrain(app)
  installMetrics(app, platform)
  installTrafficAnalytics(app, platform.services.trafficCop.analytics)
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
  installAuthentication(app, platform.services.securityGuard)
  installRateLimiting(app, platform.services.trafficCop.rateLimits)
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
  await app.register(nurseRoutes(nurse))
  await app.register(curatorRoutes(curator))
  await app.register(cityManagerRoutes(cityManager))
  await app.register(workflowRoutes(platform.services.conductor))
  await app.register(executionRoutes(platform.services.conductor))
  await app.register(taskRoutes(platform.services.conductor))
  return app
}

/** Once closing starts, requests still arriving on kept-alive connections get SHUTTING_DOWN and a closed connection. */
function installDrain(app: FastifyInstance): void {
  let closing = false
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done()
    reply.header('connection', 'close')
    void sendError(reply, kernelErrors.SHUTTING_DOWN())
  })
}

/**
 * Requests still unanswered after the timeout get 503 REQUEST_TIMEOUT. One sweep a tenth of the timeout apart
 * (at most a second) checks them all, instead of a timer armed and cleared for every request.
 */
function installRequestTimeout(app: FastifyInstance, timeoutMs: number): void {
  const inFlight = new Map<object, { reply: FastifyReply; deadline: number }>()
  const sweep = setInterval(
    () => {
      const now = Date.now()
      for (const [request, entry] of inFlight) {
        if (entry.deadline > now) continue
        inFlight.delete(request)
        if (!entry.reply.sent) void sendError(entry.reply, gatewayErrors.REQUEST_TIMEOUT({ timeoutMs }))
      }
    },
    Math.min(1000, Math.max(10, Math.floor(timeoutMs / 10))),
  )
  sweep.unref()
  app.addHook('onRequest', (request, reply, done) => {
    inFlight.set(request, { reply, deadline: Date.now() + timeoutMs })
    done()
  })
  app.addHook('onResponse', (request, _reply, done) => {
    inFlight.delete(request)
    done()
  })
  app.addHook('onClose', (_app, done) => {
    clearInterval(sweep)
    done()
  })
}

function installMetrics(app: FastifyInstance, platform: GatewayPlatform): void {
  const { metrics } = platform.services.nurse
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const seconds = reply.elapsedTime / 1000
    metrics.observeRequest({ method: request.method, route, status: reply.statusCode }, seconds)
    request.log.debug(
      { method: request.method, route, status: reply.statusCode, ms: reply.elapsedTime },
      'request',
    )
    done()
  })
}
