import type { FastifyRequest } from 'fastify'
import type { RequestMeta } from '../audit-log.js'

/** The socket's address (proxies are not trusted, so X-Forwarded-For is ignored) and the request id. */
export function metaOf(request: FastifyRequest): RequestMeta {
  return { ip: request.ip, requestId: request.id }
}
