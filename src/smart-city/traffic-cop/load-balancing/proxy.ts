import type { FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { isForbiddenAddress } from '../../curator/instances/address-policy.js'
import { isPlatformError } from '../../../kernel/errors.js'
import { loadBalancingErrors } from './errors.js'

/**
 * Streams one request to an upstream and its answer back, without buffering either body. The caller's credentials
 * (Authorization, Cookie) and hop-by-hop headers never reach the upstream; X-Request-Id and X-Forwarded-* are set
 * by the gateway (client-sent X-Forwarded-* are replaced, never trusted). Redirects are passed back, not followed.
 * `timeoutMs` bounds the wait for the response head and then every idle gap while streaming.
 */
export interface ProxyOptions {
  service: string
  baseUrl: string
  path: string
  timeoutMs: number
  lookup: LookupFunction | undefined
}

/** Resolves when the upstream's response head arrived (ok: status < 500) or rejects with a platform error. */
export type ProxyOutcome = { ok: boolean; latencyMs: number; done: Promise<void> }

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])
const requestDropped = new Set(['host', 'authorization', 'cookie', 'x-request-id', 'expect'])

function withoutHopByHop(headers: IncomingHttpHeaders, dropped: Set<string>): OutgoingHttpHeaders {
  const listed = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  )
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopByHop.has(name) || listed.has(name) || dropped.has(name)) continue
    if (name.startsWith('x-forwarded-') || name === 'forwarded') continue
    out[name] = value
  }
  return out
}

export function upstreamUrl(baseUrl: string, path: string, rawUrl: string): URL {
  const base = new URL(baseUrl)
  const query = rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?')) : ''
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`
  const target = new URL(base.origin)
  target.pathname = `${prefix}${path.replace(/^\/+/, '')}`
  target.search = query
  return target
}

export function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  options: ProxyOptions,
): Promise<ProxyOutcome> {
  const target = upstreamUrl(options.baseUrl, options.path, request.raw.url ?? '')
  const host = target.hostname.replace(/^\[|\]$/g, '')
  if (options.lookup && isIP(host) && isForbiddenAddress(host))
    return Promise.reject(loadBalancingErrors.UPSTREAM_ADDRESS_FORBIDDEN({ host }))
  const headers = withoutHopByHop(request.headers, requestDropped)
  headers['host'] = target.host
  headers['x-request-id'] = request.id
  headers['x-forwarded-for'] = request.ip
  headers['x-forwarded-proto'] = request.protocol
  if (request.headers.host) headers['x-forwarded-host'] = request.headers.host

  const startedAt = performance.now()
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<ProxyOutcome>((resolve, reject) => {
    let answered = false
    const fail = (error: unknown) => {
      if (answered) return
      answered = true
      clearTimeout(headTimer)
      upstream.destroy()
      if (isPlatformError(error)) reject(error)
      else if (error === timeout)
        reject(loadBalancingErrors.UPSTREAM_TIMEOUT({ name: options.service, timeoutMs: options.timeoutMs }))
      else reject(loadBalancingErrors.UPSTREAM_UNREACHABLE({ name: options.service }, error))
    }
    const timeout = new Error('upstream timeout')
    const upstream = send(target, {
      method: request.method,
      headers,
      agent: false,
      ...(options.lookup && { lookup: options.lookup }),
    })
    const headTimer = setTimeout(() => fail(timeout), options.timeoutMs)
    upstream.on('error', fail)
    upstream.on('response', (response: IncomingMessage) => {
      if (answered) {
        response.destroy()
        return
      }
      answered = true
      clearTimeout(headTimer)
      const latencyMs = performance.now() - startedAt
      const status = response.statusCode ?? 502
      response.setTimeout(options.timeoutMs, () => response.destroy(timeout))
      const done = new Promise<void>((settle) => {
        response.on('end', () => settle())
        response.on('close', () => settle())
      })
      reply.code(status).headers(withoutHopByHop(response.headers, new Set()))
      void reply.send(response)
      resolve({ ok: status < 500, latencyMs, done })
    })
    request.raw.on('aborted', () => upstream.destroy())
    if (hasBody(request)) request.raw.pipe(upstream)
    else upstream.end()
  })
}

/** Whether the request carries a body (which can be sent once only, so such a request is never retried). */
export function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}
