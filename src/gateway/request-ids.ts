import type { IncomingMessage } from 'node:http'
import type { IdGenerator } from '../kernel/ids.js'

/** A client's `x-request-id` is kept when it is short and plain; otherwise the gateway makes one. */
const acceptable = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Generated ids are `req_<random per gateway><counter>`: unique across nodes and restarts, cheap to make. They
 * correlate logs and answers, they grant nothing, so they need no per-request randomness. Every response names its
 * request id in `x-request-id` (set by the request lifecycle), so a client can quote it.
 */
export function requestIdFrom(ids: IdGenerator): (req: IncomingMessage) => string {
  const prefix = `${ids.next('req')}.`
  let counter = 0
  return (req) => {
    const given = req.headers['x-request-id']
    if (typeof given === 'string' && acceptable.test(given)) return given
    counter += 1
    return prefix + counter.toString(36)
  }
}
