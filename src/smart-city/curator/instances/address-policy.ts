import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import type { LookupFunction } from 'node:net'
import { loadBalancingErrors } from '../../traffic-cop/load-balancing/errors.js'

/**
 * SSRF guard for upstream URLs: only absolute http(s) URLs without credentials, and unless private networks are
 * allowed, no host that resolves to a loopback, private, shared, link-local (cloud metadata), multicast or reserved
 * address. The check runs at registration and again at connect time (`guardedLookup`), so a DNS answer that
 * changes after registration cannot reach a forbidden address.
 */
const forbidden = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  forbidden.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  forbidden.addSubnet(net, prefix, 'ipv6')

export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return forbidden.check(address, 'ipv4')
  if (family !== 6) return true
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return forbidden.check(mapped[1]!, 'ipv4')
  return forbidden.check(address, 'ipv6')
}

/** Parses and checks the form of an upstream URL (no DNS); throws UPSTREAM_URL_INVALID. */
export function parseUpstreamUrl(raw: string): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw loadBalancingErrors.UPSTREAM_URL_INVALID({ url: raw, reason: 'not an absolute URL' })
  }
  const invalid = (reason: string) => loadBalancingErrors.UPSTREAM_URL_INVALID({ url: raw, reason })
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('only http and https are allowed')
  if (url.username || url.password) throw invalid('credentials in the URL are not allowed')
  if (url.hash) throw invalid('a fragment is not allowed')
  if (url.search) throw invalid('a query string is not allowed')
  return url
}

/** Resolves the URL's host and refuses it when any of its addresses is forbidden. */
export async function checkUpstreamUrl(raw: string, allowPrivateNetworks: boolean): Promise<URL> {
  const url = parseUpstreamUrl(raw)
  if (allowPrivateNetworks) return url
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: { address: string }[]
  try {
    addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true, verbatim: true })
  } catch {
    throw loadBalancingErrors.UPSTREAM_URL_INVALID({ url: raw, reason: 'the host does not resolve' })
  }
  if (addresses.length === 0 || addresses.some((a) => isForbiddenAddress(a.address)))
    throw loadBalancingErrors.UPSTREAM_ADDRESS_FORBIDDEN({ host })
  return url
}

/** A `lookup` for node:http that fails the connection when the resolved address is forbidden. */
export function guardedLookup(allowPrivateNetworks: boolean): LookupFunction | undefined {
  if (allowPrivateNetworks) return undefined
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true, verbatim: true }).then(
      (addresses) => {
        const bad = addresses.find((a) => isForbiddenAddress(a.address))
        if (bad || addresses.length === 0) {
          callback(loadBalancingErrors.UPSTREAM_ADDRESS_FORBIDDEN({ host: hostname }), '', 4)
          return
        }
        if (options.all) callback(null, addresses)
        else callback(null, addresses[0]!.address, addresses[0]!.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    )
  }
}
