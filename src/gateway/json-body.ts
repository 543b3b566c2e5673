import { gatewayErrors } from './errors.js'

/**
 * Strict JSON body parsing: depth is checked on the raw text before parsing (so a hostile body cannot exhaust the
 * stack), then every key of the parsed value is checked against the forbidden list. JSON.parse itself defines
 * `__proto__` as a plain own key, so walking the result is safe.
 */
export const forbiddenKeys = new Set(['__proto__', 'constructor'])

export function exceedsDepth(text: string, maxDepth: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) {
      inString = true
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) return true
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--
    }
  }
  return false
}

function findForbiddenKey(value: unknown): string | undefined {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const current = stack.pop()
    if (typeof current !== 'object' || current === null) continue
    if (Array.isArray(current)) {
      stack.push(...(current as unknown[]))
      continue
    }
    for (const key of Object.keys(current)) {
      if (forbiddenKeys.has(key)) return key
      stack.push((current as Record<string, unknown>)[key])
    }
  }
  return undefined
}

export function parseStrictJson(text: string, maxDepth: number): unknown {
  if (exceedsDepth(text, maxDepth)) throw gatewayErrors.JSON_TOO_DEEP({ maxDepth })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw gatewayErrors.INVALID_JSON({ reason: error instanceof Error ? error.message : 'unparseable' })
  }
  const key = findForbiddenKey(value)
  if (key !== undefined) throw gatewayErrors.FORBIDDEN_JSON_KEY({ key })
  return value
}
