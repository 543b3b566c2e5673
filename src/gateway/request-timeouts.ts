import type { FastifyReply } from 'fastify'
import { sendError } from './error-handling.js'
import { gatewayErrors } from './errors.js'

export interface RequestTimeouts {
  watch(reply: FastifyReply): void
  /** The reply was sent: nothing to watch any more. */
  settle(reply: FastifyReply): void
  stop(): void
}

/**
 * Requests still unanswered after the timeout get 503 REQUEST_TIMEOUT. One sweep a tenth of the timeout apart
 * (at most a second) checks them all, instead of a timer armed and cleared for every request.
 */
export function createRequestTimeouts(timeoutMs: number): RequestTimeouts {
  const deadlines = new Map<FastifyReply, number>()
  const sweep = setInterval(
    () => {
      const now = Date.now()
      for (const [reply, deadline] of deadlines) {
        if (deadline > now) continue
        deadlines.delete(reply)
        if (!reply.sent) void sendError(reply, gatewayErrors.REQUEST_TIMEOUT({ timeoutMs }))
      }
    },
    Math.min(1000, Math.max(10, Math.floor(timeoutMs / 10))),
  )
  sweep.unref()
  return {
    watch: (reply) => void deadlines.set(reply, Date.now() + timeoutMs),
    settle: (reply) => void deadlines.delete(reply),
    stop: () => clearInterval(sweep),
  }
}
