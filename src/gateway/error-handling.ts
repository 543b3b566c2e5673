import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type PlatformError, isPlatformError, statusByKind, toPlatformError } from '../kernel/errors.js'
import { gatewayErrors } from './errors.js'

/**
 * Everything thrown reaches the client as `{error:{code,message,details,requestId}}` with the status of its kind.
 * Fastify's own errors (validation, body limits, content types) are translated to gateway codes first; anything
 * unknown becomes INTERNAL_ERROR with its cause logged, never shown.
 */
export function errorBody(error: PlatformError, requestId: string) {
  return { error: { code: error.code, message: error.message, details: error.details, requestId } }
}

export function sendError(reply: FastifyReply, error: PlatformError): FastifyReply {
  if (error.kind === 'unauthorized')
    void reply.header('www-authenticate', 'Bearer realm="symphainy", ApiKey realm="symphainy"')
  return reply
    .code(statusByKind[error.kind])
    .type('application/json; charset=utf-8')
    .send(errorBody(error, reply.request.id))
}

function translateFastifyError(error: FastifyError, bodyLimit: number): PlatformError | undefined {
  if (error.validation) {
    return gatewayErrors.VALIDATION_FAILED({
      part: error.validationContext ?? 'input',
      issues: error.validation.map((issue) => ({
        path: `${error.validationContext ?? ''}${issue.instancePath}`,
        message: issue.message ?? 'is invalid',
        keyword: issue.keyword,
      })),
    })
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return gatewayErrors.BODY_TOO_LARGE({ limitBytes: bodyLimit })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return gatewayErrors.UNSUPPORTED_CONTENT_TYPE({ contentType: 'given' })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return gatewayErrors.INVALID_JSON()
    default:
      break
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    if (error.statusCode === 413) return gatewayErrors.BODY_TOO_LARGE({ limitBytes: bodyLimit })
    return gatewayErrors.BAD_REQUEST({ reason: error.code })
  }
  return undefined
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const platformError = isPlatformError(error)
      ? error
      : (translateFastifyError(error, bodyLimit) ?? toPlatformError(error))
    if (platformError.kind === 'internal') {
      request.log.error({ err: platformError.cause ?? error, reqId: request.id }, 'request failed')
    }
    return sendError(reply, platformError)
  })
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      gatewayErrors.ROUTE_NOT_FOUND({ method: request.method, path: request.url.split('?')[0] }),
    ),
  )
}
