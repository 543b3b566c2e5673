import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { isForbiddenAddress } from '../curator/instances/address-policy.js'
import { postOfficeErrors } from './errors.js'

/**
 * The SSRF guard of webhooks. A URL must be absolute http(s) without credentials or a fragment. Its host is
 * resolved and refused when ANY address is loopback, private (RFC 1918), shared (CGNAT 100.64/10), link-local
 * (169.254/16 — cloud metadata — and fe80::/10), unique-local (fc00::/7), unspecified, multicast or reserved,
 * IPv4-mapped IPv6 forms included (the Curator's address policy). The vetted address is returned so the caller
 * connects to exactly it: a DNS answer that changes between the check and the connection cannot redirect the
 * request. `host:port` entries of SYMPHAINY_WEBHOOK_ALLOW_HOSTS skip the address check (tests, on-premises).
 */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>

export interface VettedTarget {
  url: URL
  /** Host name without brackets, as the Host header and TLS SNI use it. */
  host: string
  port: number
  address: string
  family: number
}

export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true })

export function parseWebhookUrl(raw: string): URL {
  const invalid = (reason: string) => postOfficeErrors.WEBHOOK_URL_INVALID({ url: raw.slice(0, 300), reason })
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw invalid('not an absolute URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('only http and https are allowed')
  if (url.username || url.password) throw invalid('credentials in the URL are not allowed')
  if (url.hash) throw invalid('a fragment is not allowed')
  return url
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '')
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
}

function isAllowListed(url: URL, allowHosts: readonly string[]): boolean {
  return allowHosts.includes(`${url.hostname.toLowerCase()}:${portOf(url)}`)
}

/**
 * The check made when a subscription is created: the URL's form, and its addresses when the host resolves now
 * (a host that does not resolve yet is accepted; every delivery checks again).
 */
export async function checkWebhookUrl(raw: string, allowHosts: readonly string[], resolve: Resolver) {
  const url = parseWebhookUrl(raw)
  if (isAllowListed(url, allowHosts)) return url
  const host = hostOf(url)
  if (isIP(host)) {
    if (isForbiddenAddress(host)) throw postOfficeErrors.WEBHOOK_ADDRESS_FORBIDDEN({ host })
    return url
  }
  const addresses = await resolve(host).catch(() => [])
  if (addresses.some((a) => isForbiddenAddress(a.address)))
    throw postOfficeErrors.WEBHOOK_ADDRESS_FORBIDDEN({ host })
  return url
}

/** The check made before each delivery: resolves, refuses any forbidden address, and picks the one to connect to. */
export async function vetWebhookTarget(
  raw: string,
  allowHosts: readonly string[],
  resolve: Resolver,
): Promise<VettedTarget> {
  const url = parseWebhookUrl(raw)
  const host = hostOf(url)
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host)
  const first = addresses[0]
  if (!first) throw postOfficeErrors.WEBHOOK_ADDRESS_FORBIDDEN({ host })
  if (!isAllowListed(url, allowHosts) && addresses.some((a) => isForbiddenAddress(a.address)))
    throw postOfficeErrors.WEBHOOK_ADDRESS_FORBIDDEN({ host })
  return { url, host, port: portOf(url), address: first.address, family: first.family }
}
