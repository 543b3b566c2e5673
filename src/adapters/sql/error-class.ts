import type { SqlErrorClass } from '../../ports/sql-database.js'

const maxCauseDepth = 5

/**
 * Classifies a driver error by the first `code` along its `cause` chain that `classOf` knows, so an error wrapped
 * by a PlatformError (e.g. MIGRATION_FAILED) still classifies by its driver cause.
 */
export function classifyByCode(
  error: unknown,
  classOf: (code: string) => SqlErrorClass | undefined,
): SqlErrorClass {
  let current = error
  for (let depth = 0; depth < maxCauseDepth && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown }
    const found = typeof code === 'string' ? classOf(code) : undefined
    if (found !== undefined) return found
    current = cause
  }
  return 'other'
}
