import type { Clock } from '../../kernel/clock.js'
import type { KeyValueScript, KeyValueStore, LocalKeyValueOps } from '../../ports/key-value-store.js'

/**
 * Brute-force protection: per account (by normalised email, so case variants and unknown emails count too) and
 * per client IP. Each attempt first reserves a slot in both counters in one atomic step; only a reserved attempt
 * is evaluated, so N parallel guesses against a limit of L evaluate exactly L. Counters are fixed windows of
 * `lockMs` measured on the platform clock (passed in, so a manual clock drives them on every adapter); a full
 * counter is a lock until its window ends. A success clears the account counter and refunds its IP slot.
 */
export interface LoginLimits {
  accountMaxFailures: number
  ipMaxFailures: number
  lockMs: number
}

export type Reservation =
  { allowed: true; attempt: number } | { allowed: false; lockedBy: 'account' | 'ip'; retryAt: number }

const reserveLua = `
-- KEYS[1] account counter, KEYS[2] ip counter; values are "<count>:<resetAt ms>".
-- ARGV[1] now ms, ARGV[2] window ms, ARGV[3] account limit, ARGV[4] ip limit.
-- Returns {1, accountCount, resetAt} when reserved, {0, 'account'|'ip', resetAt} when locked.
local function read(key, now, window)
  local v = redis.call('GET', key)
  if v then
    local sep = string.find(v, ':', 1, true)
    local count = tonumber(string.sub(v, 1, sep - 1))
    local resetAt = tonumber(string.sub(v, sep + 1))
    if resetAt > now then return count, resetAt end
  end
  return 0, now + window
end
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local ac, ar = read(KEYS[1], now, window)
local ic, ir = read(KEYS[2], now, window)
if ac >= tonumber(ARGV[3]) then return {0, 'account', ar} end
if ic >= tonumber(ARGV[4]) then return {0, 'ip', ir} end
redis.call('SET', KEYS[1], string.format('%d:%d', ac + 1, ar), 'PX', ar - now + 1000)
redis.call('SET', KEYS[2], string.format('%d:%d', ic + 1, ir), 'PX', ir - now + 1000)
return {1, ac + 1, ar}
`

function readCounter(ops: LocalKeyValueOps, key: string, now: number, window: number): [number, number] {
  const value = ops.get(key)
  if (value !== null) {
    const [count, resetAt] = value.split(':').map(Number)
    if (resetAt !== undefined && count !== undefined && resetAt > now) return [count, resetAt]
  }
  return [0, now + window]
}

const reserveScript: KeyValueScript = {
  name: 'sg-login-reserve',
  lua: reserveLua,
  local(ops, keys, args) {
    const [accountKey, ipKey] = keys as [string, string]
    const [now, window, accountLimit, ipLimit] = args.map(Number) as [number, number, number, number]
    const [ac, ar] = readCounter(ops, accountKey, now, window)
    const [ic, ir] = readCounter(ops, ipKey, now, window)
    if (ac >= accountLimit) return [0, 'account', ar]
    if (ic >= ipLimit) return [0, 'ip', ir]
    ops.set(accountKey, `${ac + 1}:${ar}`, ar - now + 1000)
    ops.set(ipKey, `${ic + 1}:${ir}`, ir - now + 1000)
    return [1, ac + 1, ar]
  },
}

const succeedLua = `
-- KEYS[1] account counter (deleted), KEYS[2] ip counter (one slot refunded). ARGV[1] now ms. Returns 1.
redis.call('DEL', KEYS[1])
local v = redis.call('GET', KEYS[2])
if v then
  local sep = string.find(v, ':', 1, true)
  local count = tonumber(string.sub(v, 1, sep - 1))
  local resetAt = tonumber(string.sub(v, sep + 1))
  if count > 0 and resetAt > tonumber(ARGV[1]) then
    redis.call('SET', KEYS[2], string.format('%d:%d', count - 1, resetAt), 'KEEPTTL')
  end
end
return 1
`

const succeedScript: KeyValueScript = {
  name: 'sg-login-succeed',
  lua: succeedLua,
  local(ops, keys, args) {
    const [accountKey, ipKey] = keys as [string, string]
    const now = Number(args[0])
    ops.del(accountKey)
    const value = ops.get(ipKey)
    if (value !== null) {
      const [count, resetAt] = value.split(':').map(Number) as [number, number]
      if (count > 0 && resetAt > now) ops.set(ipKey, `${count - 1}:${resetAt}`, Math.max(1, ops.pttl(ipKey)))
    }
    return 1
  },
}

export interface LoginLimiter {
  reserve(accountKey: string, ip: string): Promise<Reservation>
  succeeded(accountKey: string, ip: string): Promise<void>
}

export function createLoginLimiter(kv: KeyValueStore, clock: Clock, limits: LoginLimits): LoginLimiter {
  const keys = (account: string, ip: string) => [`sg:login:acct:${account}`, `sg:login:ip:${ip}`]
  return {
    async reserve(accountKey, ip) {
      const now = clock.now()
      const reply = await kv.runScript(reserveScript, keys(accountKey, ip), [
        now,
        limits.lockMs,
        limits.accountMaxFailures,
        limits.ipMaxFailures,
      ])
      const [reserved, by, resetAt] = Array.isArray(reply) ? reply : []
      if (reserved === 1) return { allowed: true, attempt: Number(by) }
      return { allowed: false, lockedBy: by === 'ip' ? 'ip' : 'account', retryAt: Number(resetAt) }
    },
    async succeeded(accountKey, ip) {
      await kv.runScript(succeedScript, keys(accountKey, ip), [clock.now()])
    },
  }
}
