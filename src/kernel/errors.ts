/**
 * The one error type of the platform. Codes are stable UPPER_SNAKE strings declared in a per-service catalogue
 * (see error-catalogue.ts); `kind` alone decides the HTTP status through `statusByKind`.
 */
export const errorKinds = [
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'rate_limited',
  'unavailable',
  'internal',
] as const

export type ErrorKind = (typeof errorKinds)[number]

export const statusByKind = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<ErrorKind, number>

export type ErrorDetails = Record<string, unknown>

export interface PlatformErrorInit {
  code: string
  kind: ErrorKind
  message: string
  details?: ErrorDetails
  retryable?: boolean
  cause?: unknown
}

const brand = Symbol.for('symphainy.PlatformError')

export class PlatformError extends Error {
  readonly code: string
  readonly kind: ErrorKind
  readonly details: ErrorDetails
  readonly retryable: boolean
  readonly [brand] = true

  constructor(init: PlatformErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'PlatformError'
    this.code = init.code
    this.kind = init.kind
    this.details = init.details ?? {}
    this.retryable = init.retryable ?? false
  }

  get status(): number {
    return statusByKind[this.kind]
  }

  /** The wire shape, without `requestId` which only the gateway knows. */
  toJSON(): { code: string; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details }
  }
}

/** Recognises platform errors by brand, so two copies of this module still agree. */
export function isPlatformError(value: unknown): value is PlatformError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
}

export const INTERNAL_ERROR_CODE = 'INTERNAL_ERROR'

/** Anything thrown becomes a PlatformError; unknown errors become an opaque `internal` one keeping the cause. */
export function toPlatformError(value: unknown): PlatformError {
  if (isPlatformError(value)) return value
  return new PlatformError({
    code: INTERNAL_ERROR_CODE,
    kind: 'internal',
    message: 'An unexpected error occurred.',
    cause: value,
  })
}
