import { pino, type Logger, type LevelWithSilent } from 'pino'

export type { Logger }

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Keys whose values are never written to a log, at any depth. */
const secretKey =
  /pass(word|phrase)?|secret|token|authorization|cookie|api[-_]?key|private[-_]?key|credential|signature/i
const bearer = /\b(Bearer|ApiKey|Basic)\s+[^\s"',]+/gi
const jwtLike = /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/g
const urlCredentials = /(\w+:\/\/[^/\s:@]*:)[^@\s/]+@/g
export const REDACTED = '[redacted]'

export function scrubString(value: string): string {
  return value
    .replace(bearer, `$1 ${REDACTED}`)
    .replace(jwtLike, REDACTED)
    .replace(urlCredentials, `$1${REDACTED}@`)
}

/** Copies a log object replacing secret-named keys and secret-looking strings; depth-bounded against cycles. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value)
  if (typeof value !== 'object' || value === null) return value
  if (depth > 8) return '[depth]'
  if (value instanceof Error) return redactSecrets(pino.stdSerializers.err(value), depth)
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    out[key] = secretKey.test(key) ? REDACTED : redactSecrets(inner, depth + 1)
  }
  return out
}

export interface LoggerOptions {
  level: LevelWithSilent
  destination?: pino.DestinationStream
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrubString(arg) : arg)) as Parameters<
              typeof method
            >,
          )
        },
      },
    },
    options.destination,
  )
}
