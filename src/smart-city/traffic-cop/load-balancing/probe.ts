import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { isForbiddenAddress } from '../../curator/instances/address-policy.js'

/** One active health check: GET `url`; healthy when it answers 2xx/3xx within the timeout (redirects not followed). */
export function probe(
  url: string,
  options: { timeoutMs: number; lookup: LookupFunction | undefined; requestId: string },
): Promise<boolean> {
  return new Promise((resolve) => {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      resolve(false)
      return
    }
    const host = target.hostname.replace(/^\[|\]$/g, '')
    if (options.lookup && isIP(host) && isForbiddenAddress(host)) {
      resolve(false)
      return
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(
      target,
      {
        method: 'GET',
        headers: { 'x-request-id': options.requestId, 'user-agent': 'symphainy-health-check' },
        agent: false,
        ...(options.lookup && { lookup: options.lookup }),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (res) => {
        res.resume()
        resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400)
      },
    )
    req.on('error', () => resolve(false))
    req.end()
  })
}
