import { defineErrors } from '../kernel/error-catalogue.js'

export const gatewayErrors = defineErrors('gateway', {
  ROUTE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No route matches {method} {path}.',
    description: 'The method and path match no route; `/openapi.json` lists them all.',
  },
  VALIDATION_FAILED: {
    kind: 'invalid',
    message: 'The request {part} is invalid.',
    description:
      'A body, query, path parameter or header broke its schema; details.issues lists path and problem.',
  },
  INVALID_JSON: {
    kind: 'invalid',
    message: 'The body is not valid JSON.',
    description: 'The body could not be parsed as JSON (or was empty while declared as JSON).',
  },
  JSON_TOO_DEEP: {
    kind: 'invalid',
    message: 'The JSON body nests deeper than {maxDepth} levels.',
    description: 'Objects and arrays may nest at most SYMPHAINY_JSON_MAX_DEPTH levels.',
  },
  FORBIDDEN_JSON_KEY: {
    kind: 'invalid',
    message: 'The JSON body uses the forbidden key "{key}".',
    description: 'Keys `__proto__` and `constructor` are refused anywhere in a body (prototype pollution).',
  },
  BODY_TOO_LARGE: {
    kind: 'too_large',
    message: 'The body is larger than {limitBytes} bytes.',
    description: 'Request bodies are limited by SYMPHAINY_BODY_LIMIT_BYTES (uploads have their own limit).',
  },
  UNSUPPORTED_CONTENT_TYPE: {
    kind: 'invalid',
    message: 'Content type {contentType} is not accepted here.',
    description: 'Send `application/json` (or multipart for uploads).',
  },
  BAD_REQUEST: {
    kind: 'invalid',
    message: 'The request is malformed.',
    description: 'The HTTP request itself is malformed (e.g. a bad Content-Length); fix the client.',
  },
  ORIGIN_NOT_ALLOWED: {
    kind: 'forbidden',
    message: 'Origin {origin} may not open a WebSocket here.',
    description:
      'A browser page from an origin not listed in SYMPHAINY_CORS_ORIGINS (nor the same host) tried to connect.',
  },
  INVALID_FRAME: {
    kind: 'invalid',
    message: 'The WebSocket frame is not a JSON object with an `op`.',
    description: 'Send text frames holding JSON objects such as {"op":"ping"}.',
  },
  UNSUPPORTED_OP: {
    kind: 'invalid',
    message: 'WebSocket operation {op} is not supported.',
    description: 'The frame named an operation this server does not offer.',
  },
  ALREADY_AUTHENTICATED: {
    kind: 'conflict',
    message: 'This WebSocket is already authenticated.',
    description: 'Send `auth` once per connection; open a new connection to change identity.',
  },
  REQUEST_TIMEOUT: {
    kind: 'unavailable',
    message: 'The request was not answered within {timeoutMs} ms.',
    description: 'The platform did not finish in time (SYMPHAINY_REQUEST_TIMEOUT_MS); retry later.',
    retryable: true,
  },
})
