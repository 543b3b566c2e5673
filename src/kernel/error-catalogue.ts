import { type ErrorDetails, type ErrorKind, PlatformError } from './errors.js'

/**
 * A service's error catalogue: each entry has a stable code, a kind and a message template whose `{name}`
 * names are filled from the details. `docs/errors.md` is generated from every catalogue and a test keeps the
 * two in sync.
 */
export interface ErrorSpec {
  kind: ErrorKind
  message: string
  /** One sentence for docs/errors.md: when it happens and what the caller can do. */
  description: string
  retryable?: boolean
}

export type ErrorFactory = (details?: ErrorDetails, cause?: unknown) => PlatformError

export type ErrorCatalogue<Codes extends string> = {
  readonly service: string
  readonly specs: Readonly<Record<Codes, ErrorSpec>>
} & { readonly [C in Codes]: ErrorFactory }

const codePattern = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/

export function defineErrors<Codes extends string>(
  service: string,
  specs: Record<Codes, ErrorSpec>,
): ErrorCatalogue<Codes> {
  const factories: Record<string, ErrorFactory> = {}
  for (const [code, spec] of Object.entries<ErrorSpec>(specs)) {
    if (!codePattern.test(code)) throw new Error(`Error code ${code} of ${service} is not UPPER_SNAKE`)
    factories[code] = (details = {}, cause) =>
      new PlatformError({
        code,
        kind: spec.kind,
        message: fillTemplate(spec.message, details),
        details,
        retryable: spec.retryable ?? false,
        cause,
      })
  }
  return { service, specs, ...factories } as ErrorCatalogue<Codes>
}

function fillTemplate(template: string, details: ErrorDetails): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = details[name]
    if (value === undefined) return whole
    return typeof value === 'string' ? value : JSON.stringify(value)
  })
}
