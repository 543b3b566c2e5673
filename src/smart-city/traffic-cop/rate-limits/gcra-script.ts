import type { KeyValueScript, LocalKeyValueOps, ScriptResult } from '../../../ports/key-value-store.js'
import {
  type GcraCheck,
  type GcraKeyVerdict,
  type GcraStep,
  gcraArg,
  gcraExpiry,
  gcraExpiryMarginMs,
  gcraState,
  gcraStep,
  gcraTimeArg,
} from './gcra.js'

export { type GcraCheck, type GcraKeyVerdict, gcraExpiryMarginMs } from './gcra.js'

/** One rate-limit decision: its (policy, subject) keys, and the policy version it is conditional on, if any. */
export interface GcraDecision {
  checks: readonly GcraCheck[]
  version: { key: string; expected: string | null } | undefined
}

export type GcraVerdict = { stale: true } | { stale: false; admitted: boolean; keys: GcraKeyVerdict[] }

/**
 * GCRA (see gcra.ts) for a batch of rate-limit decisions in one script call, applied one after the other in the
 * order given. Each decision checks every one of its keys and commits all of them only if every one admits, so a
 * refused request consumes nothing anywhere. The script is atomic as a whole, so each decision in it is one atomic
 * operation too (nothing runs between its reads and its writes), and a later decision in the batch sees the writes
 * of the earlier ones, exactly as if each had been its own call. A batch lets many requests in flight share one
 * round trip (see decision-batcher.ts); a lone request is a batch of one.
 *
 * ARGV[1]: now (ms, platform clock). Then, per decision: its number of state keys n, with a leading 'v' when the
 * decision is conditional on the tenant's policy version, in which case its version key comes first in KEYS and
 * the next ARGV is that key's expected value ('' = absent); then its n state keys (one per (policy, subject)) in
 * KEYS and, per state key, its limit and window ms in ARGV. Numbers (now, n, limits, windows) are hexadecimal
 * whole numbers, like the stored states.
 * Returns one reply per decision: -1 when the version differs (that decision changes nothing); otherwise the state
 * each of its keys held before it (nil when absent): the value itself for one state key, an array for several. The
 * caller derives every verdict from those states with `gcraStep`, the same arithmetic, so Redis does only the
 * decision and the writes, and replies with as little as it can.
 */
/**
 * One GCRA step in Lua for KEYS[k] with its limit and window from ARGV[a] and ARGV[a + 1]: leaves the stored state
 * in `v` and, when the key admits, its new state in `state` and in `ttl` the expiry to set (false to keep the
 * current one; see `gcraExpiry`). It is pasted inline twice below (a Lua function would be a closure made on every
 * call).
 */
const luaStep = (k: string, a: string) => `
    local limit, window = tonumber(ARGV[${a}], 16), tonumber(ARGV[${a} + 1], 16)
    local v = redis.call('GET', KEYS[${k}])
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
      if v and redis.call('PTTL', KEYS[${k}]) >= ttl then ttl = false else ttl = ttl + ${gcraExpiryMarginMs} end
    end`

const lua = `
local now = tonumber(ARGV[1], 16)
local replies, k, arg = {}, 1, 2
while arg <= #ARGV do
  local header, n, stale = ARGV[arg], 0, false
  if string.byte(header) == 118 then
    n = tonumber(string.sub(header, 2), 16)
    stale = (redis.call('GET', KEYS[k]) or '') ~= ARGV[arg + 1]
    k, arg = k + 1, arg + 2
  else
    n, arg = tonumber(header, 16), arg + 1
  end
  if stale then
    replies[#replies + 1] = -1
  elseif n == 1 then
    ${luaStep('k', 'arg')}
    if ttl then
      redis.call('SET', KEYS[k], state, 'PX', ttl)
    elseif state then
      redis.call('SET', KEYS[k], state, 'KEEPTTL')
    end
    replies[#replies + 1] = v
  else
    local values, writes, all = {}, {}, true
    for i = 0, n - 1 do
    ${luaStep('k + i', 'arg + 2 * i')}
      values[i + 1] = v
      if not state then
        all = false
      elseif all then
        local w = #writes
        writes[w + 1], writes[w + 2], writes[w + 3] = KEYS[k + i], state, ttl
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
    replies[#replies + 1] = values
  end
  k, arg = k + n, arg + 2 * n
end
return replies
`

function local(ops: LocalKeyValueOps, keys: string[], args: string[]): ScriptResult {
  const now = parseInt(args[0]!, 16)
  const replies: ScriptResult[] = []
  let k = 0
  let arg = 1
  while (arg < args.length) {
    const header = args[arg]!
    const versioned = header.startsWith('v')
    const n = parseInt(versioned ? header.slice(1) : header, 16)
    const version = versioned ? { key: keys[k++]!, expected: args[arg + 1] || null } : undefined
    arg += versioned ? 2 : 1
    const checks: GcraCheck[] = []
    for (let i = 0; i < n; i++) {
      checks.push({
        key: keys[k + i]!,
        limit: parseInt(args[arg + 2 * i]!, 16),
        windowMs: parseInt(args[arg + 2 * i + 1]!, 16),
      })
    }
    const applied = applyGcraDecision(ops, now, { checks, version })
    replies.push(
      applied === undefined ? -1 : applied.states.length === 1 ? (applied.states[0] ?? null) : applied.states,
    )
    k += n
    arg += 2 * n
  }
  return replies
}

/**
 * One decision on in-process data, what the Lua body does for each decision of a batch: undefined when the policy
 * version differs (nothing changes), else the states its keys held before and its verdict. The memory store runs it
 * directly through `runLocal` (see the limiter), and the script's `local` body runs it for each decision.
 */
export function applyGcraDecision(
  ops: LocalKeyValueOps,
  now: number,
  { checks, version }: GcraDecision,
): { states: (string | null)[]; verdict: GcraVerdict & { stale: false } } | undefined {
  if (version !== undefined && (ops.get(version.key) ?? '') !== (version.expected ?? '')) return undefined
  const states: (string | null)[] = []
  const steps: GcraStep[] = []
  let admitted = true
  for (const check of checks) {
    const state = ops.get(check.key)
    const step = gcraStep(state, now, check.limit, check.windowMs)
    states.push(state)
    steps.push(step)
    admitted &&= step.admits
  }
  if (admitted) {
    for (let i = 0; i < checks.length; i++) {
      const step = steps[i]!
      const remaining = states[i] === null ? -2 : ops.pttl(checks[i]!.key)
      ops.set(checks[i]!.key, gcraState(step), gcraExpiry(step, remaining) ?? remaining)
    }
  }
  return { states, verdict: { stale: false, admitted, keys: steps } }
}

export const gcraScript: KeyValueScript = { name: 'tc-rate-limit-gcra-batch', lua, local }

/** Script arguments for `decisions` at `now`, in that order. */
export function gcraCall(
  now: number,
  decisions: readonly GcraDecision[],
): { keys: string[]; args: string[] } {
  const keys: string[] = []
  const args: string[] = [gcraTimeArg(now)]
  for (const { checks, version } of decisions) {
    if (version === undefined) args.push(gcraArg(checks.length))
    else {
      keys.push(version.key)
      args.push(`v${gcraArg(checks.length)}`, version.expected ?? '')
    }
    for (const check of checks) {
      keys.push(check.key)
      args.push(gcraArg(check.limit), gcraArg(check.windowMs))
    }
  }
  return { keys, args }
}

/** The verdicts, in order, from the script's reply to `gcraCall(now, decisions)`. */
export function parseGcraReplies(
  reply: ScriptResult,
  now: number,
  decisions: readonly GcraDecision[],
): GcraVerdict[] {
  if (!Array.isArray(reply) || reply.length !== decisions.length) {
    throw new TypeError('unexpected rate-limit script reply')
  }
  return decisions.map((decision, i) => parseGcraReply(reply[i]!, now, decision.checks))
}

/** The verdict for `checks` from their decision's part of the reply. */
function parseGcraReply(reply: ScriptResult, now: number, checks: readonly GcraCheck[]): GcraVerdict {
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
