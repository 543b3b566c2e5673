import type { IncomingMessage } from 'node:http'
import type { IdGenerator } from '../kernel/ids.js'

/** A client's `x-request-id` is kept when it is short and plain; otherwise the gateway makes one. */
const acceptable = /^[A-Za-z0-9._:-]{1,128}$/

export function requestIdFrom(ids: IdGenerator): (req: IncomingMessage) => string {
  return (req) => {
    const given = req.headers['x-request-id']
    return typeof given === 'string' && acceptable.test(given) ? given : ids.next('req')
  }
}
