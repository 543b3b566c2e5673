/**
 * RFC 7396 JSON Merge Patch: objects merge recursively, `null` removes a member, anything else replaces.
 * The patch comes from the strict JSON parser, so it holds no `__proto__` keys; members are set with
 * defineProperty anyway, so no key can reach a prototype.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch
  const base: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {}
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete base[key]
    else
      Object.defineProperty(base, key, {
        value: applyMergePatch(base[key], value),
        enumerable: true,
        writable: true,
        configurable: true,
      })
  }
  return base
}
