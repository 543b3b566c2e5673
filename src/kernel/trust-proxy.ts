import { isIP } from 'node:net'

/**
 * Which reverse proxies the gateway believes about the client: `false` (none; the socket's peer is the client) or
 * the proxies' addresses (IPs, CIDR ranges, and the names `loopback`, `linklocal`, `uniquelocal`). A believed
 * proxy's `X-Forwarded-For` gives `request.ip` (per-IP rate limits, audit): the nearest address in it that is not
 * itself a believed proxy. Its `X-Forwarded-Proto` gives the scheme (HSTS is only sent over HTTPS). A bare number of
 * hops is refused: it cannot tell a proxy from a client that sends the headers itself.
 */
export type TrustProxy = false | string[]

const presets = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** The setting, or a fix to report; trusting every address is refused, since any client could then pick its IP. */
export function parseTrustProxy(raw: string): TrustProxy | { fix: string } {
  const value = raw.trim()
  if (value === '') return false
  if (/^\d+$/.test(value))
    return { fix: "name the proxies' addresses or ranges; a number of hops cannot be checked" }
  const entries = value
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '')
  for (const entry of entries) {
    if (!presets.has(entry) && !isAddressOrRange(entry)) {
      const everyone = entry === '*' || entry === 'true' || entry === '0.0.0.0/0' || entry === '::/0'
      return {
        fix: everyone
          ? 'name the proxies (addresses or ranges) or their number of hops; trusting every address lets any client choose its IP'
          : `"${entry}" is not an IP address, a CIDR range, loopback, linklocal or uniquelocal`,
      }
    }
  }
  return entries
}

function isAddressOrRange(entry: string): boolean {
  const slash = entry.indexOf('/')
  if (slash === -1) return isIP(entry) !== 0
  const version = isIP(entry.slice(0, slash))
  const bits = entry.slice(slash + 1)
  if (version === 0 || !/^\d{1,3}$/.test(bits)) return false
  const prefix = Number(bits)
  return prefix >= 1 && prefix <= (version === 4 ? 32 : 128)
}
