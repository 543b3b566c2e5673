import type { FastifyInstance, FastifyReply } from 'fastify'
import { sendError } from './error-handling.js'
import { gatewayErrors } from './errors.js'

export interface RequestTimeouts {
  watch(reply: FastifyReply): void
  /** The reply was sent: nothing to watch any more. */
  settle(reply: FastifyReply): void
  stop(): void
}

const slotOf = Symbol('request timeout slot')

declare module 'fastify' {
  interface FastifyReply {
    [slotOf]: number
  }
}

/**
 * Requests still unanswered after the timeout get 503 REQUEST_TIMEOUT. One sweep a tenth of the timeout apart
 * (at most a second) checks them all, instead of a timer armed and cleared for every request. Watched replies sit
 * in a dense array, as many slots as requests in flight at once, and each reply remembers its slot, so watching and
 * settling a request cost no hashing.
 */
export function createRequestTimeouts(app: FastifyInstance, timeoutMs: number): RequestTimeouts {
  app.decorateReply(slotOf, -1)
  const replies: (FastifyReply | undefined)[] = []
  const deadlines: number[] = []
  const free: number[] = []

  function release(reply: FastifyReply): void {
    const slot = reply[slotOf]
    if (slot < 0) return
    replies[slot] = undefined
    free.push(slot)
    reply[slotOf] = -1
  }

  const sweep = setInterval(
    () => {
      const now = Date.now()
      for (let slot = 0; slot < replies.length; slot++) {
        const reply = replies[slot]
        if (reply === undefined || deadlines[slot]! > now) continue
        release(reply)
        if (!reply.sent) void sendError(reply, gatewayErrors.REQUEST_TIMEOUT({ timeoutMs }))
      }
    },
    Math.min(1000, Math.max(10, Math.floor(timeoutMs / 10))),
  )
  sweep.unref()
  return {
    watch(reply) {
      const slot = free.pop() ?? replies.length
      replies[slot] = reply
      deadlines[slot] = Date.now() + timeoutMs
      reply[slotOf] = slot
    },
    settle: release,
    stop: () => clearInterval(sweep),
  }
}
