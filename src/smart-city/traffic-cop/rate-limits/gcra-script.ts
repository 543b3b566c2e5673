import type { KeyValueScript, LocalKeyValueOps, ScriptResult } from '../../../ports/key-value-store.js'
import {
  type GcraCheck,
  type GcraKeyVerdict,
  gcraArg,
  gcraExpiry,
  gcraExpiryMarginMs,
  gcraState,
  gcraStep,
  gcraTimeArg,
} from './gcra.js'

export { type GcraCheck, type GcraKeyVerdict, gcraExpiryMarginMs } from './gcra.js'

/**
 * GCRA (see gcra.ts) over several keys in one atomic step: check every key, then commit all of them only if every
 * one admits, so a refused request consumes nothing anywhere.
 *
 * ARGV[1]: now (ms, platform clock). ARGV[2]: '1' when the decision is conditional on the tenant's policy version,
 * else '0'. When '1': KEYS[1] is the version key and ARGV[3] its expected value ('' = absent); the state keys (one
 * per (policy, subject)) follow in KEYS, and after ARGV[2] or ARGV[3] come, per state key, its limit and window ms.
 * Numbers (now, limits, windows) are hexadecimal whole numbers, like the stored states.
 * Returns -1 when the version differs (nothing changed); otherwise the state each key held before this request
 * (nil when absent): the value itself for one state key, an array for several. The caller derives every verdict
 * from those states with `gcraStep`, the same arithmetic, so Redis does only the decision and the writes, and
 * replies with as little as it can.
 */
/**
 * One GCRA step in Lua for KEYS[i] with its limit and window from ARGV[base + 1] and ARGV[base + 2]: leaves the
 * stored state in `v` and, when the key admits, its new state in `state` and in `ttl` the expiry to set (false to
 * keep the current one; see `gcraExpiry`). It is pasted inline twice below (a Lua function would be a closure made
 * on every call).
 */
const luaStep = (i: string) => `
  local limit, window = tonumber(ARGV[base + 1], 16), tonumber(ARGV[base + 2], 16)
  local v = redis.call('GET', KEYS[${i}])
  local a, b = now, 0
  if v then
    local sep = string.find(v, ':', 1, true)
    local sa, sb = tonumber(string.sub(v, 1, sep - 1), 16), tonumber(string.sub(v, sep + 1), 16)
    if sb >= limit then sa, sb = sa + 1, 0 end
    if sa > now or (sa == now and sb > 0) then a, b = sa, sb end
  end
  local na, nb = a + math.floor(window / limit), b + window % limit
  if nb >= limit then na, nb = na + 1, nb - limit end
  local up = nb > 0 and 1 or 0
  local state, ttl
  if na - now < window or (na - now == window and up == 0) then
    state, ttl = string.format('%x:%x', na, nb), na - now + up + ${gcraExpiryMarginMs}
    if v and redis.call('PTTL', KEYS[${i}]) >= ttl then ttl = false else ttl = ttl + ${gcraExpiryMarginMs} end
  end`

const lua = `
local now = tonumber(ARGV[1], 16)
local first, base = 1, 2
if ARGV[2] == '1' then
  if (redis.call('GET', KEYS[1]) or '') ~= ARGV[3] then return -1 end
  first, base = 2, 3
end
if first == #KEYS then
  ${luaStep('first')}
  if ttl then
    redis.call('SET', KEYS[first], state, 'PX', ttl)
  elseif state then
    redis.call('SET', KEYS[first], state, 'KEEPTTL')
  end
  return v
end
local values, writes, all = {}, {}, true
for i = first, #KEYS do
  ${luaStep('i')}
  base = base + 2
  values[#values + 1] = v
  if not state then
    all = false
  elseif all then
    local w = #writes
    writes[w + 1], writes[w + 2], writes[w + 3] = KEYS[i], state, ttl
  end
end
if all then
  for w = 1, #writes, 3 do
    if writes[w + 2] then
      redis.call('SET', writes[w], writes[w + 1], 'PX', writes[w + 2])
    else
      redis.call('SET', writes[w], writes[w + 1], 'KEEPTTL')
    end
  end
end
return values
`

function local(ops: LocalKeyValueOps, keys: string[], args: string[]): ScriptResult {
  const now = parseInt(args[0]!, 16)
  const versioned = args[1] === '1'
  if (versioned && (ops.get(keys[0]!) ?? '') !== args[2]) return -1
  const first = versioned ? 1 : 0
  const base = versioned ? 3 : 2
  const values: (string | null)[] = []
  const writes: [string, string, number][] = []
  for (let i = first; i < keys.length; i++) {
    const value = ops.get(keys[i]!)
    const step = gcraStep(
      value,
      now,
      parseInt(args[base + 2 * (i - first)]!, 16),
      parseInt(args[base + 2 * (i - first) + 1]!, 16),
    )
    values.push(value)
    if (!step.admits) continue
    const remaining = value === null ? -2 : ops.pttl(keys[i]!)
    writes.push([keys[i]!, gcraState(step), gcraExpiry(step, remaining) ?? remaining])
  }
  if (writes.length === values.length) for (const [key, value, ttl] of writes) ops.set(key, value, ttl)
  return values.length === 1 ? (values[0] ?? null) : values
}

export const gcraScript: KeyValueScript = { name: 'tc-rate-limit-gcra', lua, local }

export type GcraVerdict = { stale: true } | { stale: false; admitted: boolean; keys: GcraKeyVerdict[] }

/** Script arguments for `checks` at `now`; `version` makes the decision conditional on the policy version. */
export function gcraCall(
  now: number,
  checks: readonly GcraCheck[],
  version: { key: string; expected: string | null } | undefined,
): { keys: string[]; args: string[] } {
  const keys: string[] = []
  const args: string[] = [gcraTimeArg(now)]
  if (version === undefined) args.push('0')
  else {
    keys.push(version.key)
    args.push('1', version.expected ?? '')
  }
  for (const check of checks) {
    keys.push(check.key)
    args.push(gcraArg(check.limit), gcraArg(check.windowMs))
  }
  return { keys, args }
}

/** The verdict for `checks` at `now` from the script's reply to `gcraCall(now, checks, …)`. */
export function parseGcraReply(reply: ScriptResult, now: number, checks: readonly GcraCheck[]): GcraVerdict {
  if (reply === -1) return { stale: true }
  const several = Array.isArray(reply)
  if (several !== (checks.length !== 1)) throw new TypeError('unexpected rate-limit script reply')
  const keys: GcraKeyVerdict[] = []
  let admitted = true
  for (let i = 0; i < checks.length; i++) {
    const state = several ? reply[i] : reply
    if (state !== null && typeof state !== 'string') throw new TypeError('unexpected rate-limit script reply')
    const step = gcraStep(state, now, checks[i]!.limit, checks[i]!.windowMs)
    admitted &&= step.admits
    keys.push(step)
  }
  return { stale: false, admitted, keys }
}
