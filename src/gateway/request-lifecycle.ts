import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { kernelErrors } from '../kernel/kernel-errors.js'
import { recordResponse } from '../smart-city/traffic-cop/analytics/index.js'
import { sendError } from './error-handling.js'
import type { GatewayPlatform } from './gateway-platform.js'
import { createRequestTimeouts } from './request-timeouts.js'
import { routeConfig } from './route-config.js'
import { setSecurityHeaders } from './security-headers.js'

const levelValues = pino.levels.values
const debugLevel = levelValues['debug']!

/**
 * The fixed work around every request, as one onRequest and one onResponse hook: Fastify dispatches each hook on
 * its own, and with one hook per concern that dispatch weighed on every request.
 * On arrival: `x-request-id`, the security headers, the timeout watch (503 REQUEST_TIMEOUT), and once closing has
 * started, SHUTTING_DOWN with a closed connection for requests still arriving on kept-alive connections.
 * On the answer: the watch ends, and Prometheus metrics and traffic analytics count it.
 */
export function installRequestLifecycle(app: FastifyInstance, platform: GatewayPlatform): void {
  const { metrics } = platform.services.nurse
  const { analytics } = platform.services.trafficCop
  const timeouts = createRequestTimeouts(app, platform.config.server.requestTimeoutMs)
  let closing = false

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    setSecurityHeaders(request, reply)
    timeouts.watch(reply)
    if (!closing) return done()
    reply.header('connection', 'close')
    void sendError(reply, kernelErrors.SHUTTING_DOWN())
  })

  app.addHook('onResponse', (request, reply, done) => {
    timeouts.settle(reply)
    const route = routeConfig(request).url ?? 'unmatched'
    const status = reply.statusCode
    const ms = reply.elapsedTime
    metrics.observeRequest({ method: request.method, route, status }, ms / 1000)
    recordResponse(analytics, request, reply, route)
    if ((levelValues[request.log.level] ?? Infinity) <= debugLevel) {
      request.log.debug({ method: request.method, route, status, ms }, 'request')
    }
    done()
  })

  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  app.addHook('onClose', (_app, done) => {
    timeouts.stop()
    done()
  })
}
