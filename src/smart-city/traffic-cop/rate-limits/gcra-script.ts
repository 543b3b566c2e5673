import type { KeyValueScript, LocalKeyValueOps, ScriptResult } from '../../../ports/key-value-store.js'

/**
 * GCRA (generic cell rate algorithm) over several keys in one atomic step: check every key, then commit all of
 * them only if every one admits, so a refused request consumes nothing anywhere.
 *
 * Why GCRA rather than a sliding log: one small value per key whatever the limit (a log keeps `limit` entries),
 * two commands per key, an exact retry time, and refusals cost nothing. Its semantics: `limit` requests may arrive
 * at once, after which one more is admitted every `window / limit`; so a key is never admitted more than at that
 * rate plus the initial burst of `limit` (a token bucket of `limit` tokens refilled at `limit` per window).
 *
 * State per key: the theoretical arrival time TAT = a + b/limit ms, stored as "a:b" with whole numbers, so the
 * arithmetic is exact and identical in Lua (doubles holding integers below 2^53) and in JavaScript. A request at
 * `now` is admitted when TAT' - now <= window, where TAT' = max(TAT, now) + window/limit; admitting stores TAT'.
 * The key's expiry is only garbage collection (its content decides): it outlives TAT by a margin, so the platform
 * clock (which supplies `now`) and the store's own clock may differ.
 *
 * KEYS[1]: the tenant's policy version; KEYS[2..n]: one state key per (policy, subject).
 * ARGV[1]: now (ms, platform clock); ARGV[2]: '1' to require KEYS[1] to equal ARGV[3] ('' = absent), else '0';
 * then per state key i (from 2): ARGV[2i] limit, ARGV[2i+1] window ms.
 * Returns {-1} when the version differs (nothing changed); otherwise {admitted, then per state key: admits (1/0),
 * remaining after this request, ms until the key is full again, ms until it would admit (0 when it admits)}.
 */
export const gcraExpiryMarginMs = 60_000

const lua = `
local now = tonumber(ARGV[1])
if ARGV[2] == '1' and (redis.call('GET', KEYS[1]) or '') ~= ARGV[3] then return {-1} end
local out, all, writes = {1}, 1, {}
for i = 2, #KEYS do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local a, b = now, 0
  local v = redis.call('GET', KEYS[i])
  if v then
    local sep = string.find(v, ':', 1, true)
    local sa, sb = tonumber(string.sub(v, 1, sep - 1)), tonumber(string.sub(v, sep + 1))
    if sb >= limit then sa, sb = sa + 1, 0 end
    if sa > now or (sa == now and sb > 0) then a, b = sa, sb end
  end
  local na, nb = a + math.floor(window / limit), b + window % limit
  if nb >= limit then na, nb = na + 1, nb - limit end
  local up = nb > 0 and 1 or 0
  if na - now < window or (na - now == window and nb == 0) then
    local reset = na - now + up
    local remaining = math.floor(((now + window - na) * limit - nb) / window)
    local n = #out
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = 1, remaining, reset, 0
    writes[i] = {string.format('%d:%d', na, nb), reset + ${gcraExpiryMarginMs}}
  else
    all = 0
    local bup = b > 0 and 1 or 0
    local n = #out
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = 0, 0, a - now + bup, na - window - now + up
  end
end
if all == 1 then
  for i, w in pairs(writes) do redis.call('SET', KEYS[i], w[1], 'PX', w[2]) end
else
  out[1] = 0
end
return out
`

function readState(ops: LocalKeyValueOps, key: string, now: number, limit: number): [number, number] {
  const value = ops.get(key)
  if (value === null) return [now, 0]
  const sep = value.indexOf(':')
  let a = Number(value.slice(0, sep))
  let b = Number(value.slice(sep + 1))
  if (b >= limit) [a, b] = [a + 1, 0]
  return a > now || (a === now && b > 0) ? [a, b] : [now, 0]
}

function local(ops: LocalKeyValueOps, keys: string[], args: string[]): ScriptResult {
  const now = Number(args[0])
  if (args[1] === '1' && (ops.get(keys[0]!) ?? '') !== args[2]) return [-1]
  const out: number[] = [1]
  const writes: [string, string, number][] = []
  let all = true
  for (let i = 1; i < keys.length; i++) {
    const limit = Number(args[2 * i + 1])
    const window = Number(args[2 * i + 2])
    const [a, b] = readState(ops, keys[i]!, now, limit)
    let na = a + Math.floor(window / limit)
    let nb = b + (window % limit)
    if (nb >= limit) [na, nb] = [na + 1, nb - limit]
    const up = nb > 0 ? 1 : 0
    if (na - now < window || (na - now === window && nb === 0)) {
      const reset = na - now + up
      const remaining = Math.floor(((now + window - na) * limit - nb) / window)
      out.push(1, remaining, reset, 0)
      writes.push([keys[i]!, `${na}:${nb}`, reset + gcraExpiryMarginMs])
    } else {
      all = false
      out.push(0, 0, a - now + (b > 0 ? 1 : 0), na - window - now + up)
    }
  }
  if (all) for (const [key, value, ttl] of writes) ops.set(key, value, ttl)
  else out[0] = 0
  return out
}

export const gcraScript: KeyValueScript = { name: 'tc-rate-limit-gcra', lua, local }

export interface GcraCheck {
  key: string
  limit: number
  windowMs: number
}

export interface GcraKeyVerdict {
  admits: boolean
  remaining: number
  resetMs: number
  retryMs: number
}

export type GcraVerdict = { stale: true } | { stale: false; admitted: boolean; keys: GcraKeyVerdict[] }

/** Script arguments for `checks` at `now`; `version` makes the decision conditional on the policy version. */
export function gcraCall(
  now: number,
  checks: readonly GcraCheck[],
  version: { key: string; expected: string | null } | undefined,
): { keys: string[]; args: (string | number)[] } {
  const keys = [version?.key ?? 'tc:rl:ver:-', ...checks.map((c) => c.key)]
  const args: (string | number)[] = [now, version ? '1' : '0', version?.expected ?? '']
  for (const check of checks) args.push(check.limit, check.windowMs)
  return { keys, args }
}

export function parseGcraReply(reply: ScriptResult): GcraVerdict {
  const values = (Array.isArray(reply) ? reply : []).map(Number)
  if (values[0] === -1) return { stale: true }
  const keys: GcraKeyVerdict[] = []
  for (let i = 1; i + 3 < values.length; i += 4) {
    keys.push({
      admits: values[i] === 1,
      remaining: values[i + 1]!,
      resetMs: values[i + 2]!,
      retryMs: values[i + 3]!,
    })
  }
  return { stale: false, admitted: values[0] === 1, keys }
}
