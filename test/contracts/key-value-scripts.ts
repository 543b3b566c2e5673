import type { KeyValueScript } from '../../src/ports/key-value-store.js'

/**
 * Scripts the KeyValueStore contract runs on every adapter. Each has a Lua body and a `local` body meant to agree;
 * the contract checks they do by expecting the same answers everywhere.
 */

/**
 * A sliding-log limiter. KEYS[1]: the log. ARGV: now (ms), window (ms), limit, member, expiry of the log (ms).
 * Returns {1 if allowed else 0, entries in the window, ms until the oldest entry leaves the window (0 when allowed)}.
 */
export const slidingLog: KeyValueScript = {
  name: 'contract:sliding-log',
  lua: `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return {1, count + 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, count, tonumber(oldest[2]) + window - now}`,
  local(ops, [log], [now, window, limit, member, expiry]) {
    const t = Number(now)
    const w = Number(window)
    ops.zremRangeByScore(log!, -Infinity, t - w)
    const count = ops.zcard(log!)
    if (count < Number(limit)) {
      ops.zadd(log!, t, member!)
      ops.pexpire(log!, Number(expiry))
      return [1, count + 1, 0]
    }
    const [[, score]] = ops.zrangeWithScores(log!, 0, 0) as [[string, number]]
    return [0, count, score + w - t]
  },
}

/** KEYS[1]: a string key, KEYS[2]: a counter, KEYS[3]: a key that stays absent. ARGV[1]: a value. */
export const stringOps: KeyValueScript = {
  name: 'contract:string-ops',
  lua: `
redis.call('SET', KEYS[1], ARGV[1])
local before = redis.call('GET', KEYS[1])
local noExpiry = redis.call('PTTL', KEYS[1])
redis.call('INCRBY', KEYS[2], 5)
local counted = redis.call('INCRBY', KEYS[2], -2)
local expiring = redis.call('PEXPIRE', KEYS[2], 60000)
local hasExpiry = redis.call('PTTL', KEYS[2]) > 0 and 1 or 0
local deleted = redis.call('DEL', KEYS[1])
local deletedAgain = redis.call('DEL', KEYS[1])
local expireMissing = redis.call('PEXPIRE', KEYS[1], 1000)
redis.call('SET', KEYS[1], 'again', 'PX', 60000)
return {before, noExpiry, counted, expiring, hasExpiry, deleted, deletedAgain, expireMissing,
  redis.call('PTTL', KEYS[3]), redis.call('GET', KEYS[3]), 'end'}`,
  local(ops, [text, counter, absent], [value]) {
    ops.set(text!, value!)
    const before = ops.get(text!)
    const noExpiry = ops.pttl(text!)
    ops.incrBy(counter!, 5)
    const counted = ops.incrBy(counter!, -2)
    const expiring = ops.pexpire(counter!, 60000) ? 1 : 0
    const hasExpiry = ops.pttl(counter!) > 0 ? 1 : 0
    const deleted = ops.del(text!) ? 1 : 0
    const deletedAgain = ops.del(text!) ? 1 : 0
    const expireMissing = ops.pexpire(text!, 1000) ? 1 : 0
    ops.set(text!, 'again', 60000)
    return [
      ...[before, noExpiry, counted, expiring, hasExpiry, deleted, deletedAgain, expireMissing],
      ...[ops.pttl(absent!), ops.get(absent!), 'end'],
    ]
  },
}

/** KEYS[1]: a sorted set. Adds d=3, c=3, b=1, a=1, then moves b to 2; ranges over it and empties it. */
export const sortedSetOps: KeyValueScript = {
  name: 'contract:sorted-set-ops',
  lua: `
redis.call('ZADD', KEYS[1], 3, 'd')
redis.call('ZADD', KEYS[1], 3, 'c')
redis.call('ZADD', KEYS[1], 1, 'b')
redis.call('ZADD', KEYS[1], 1, 'a')
redis.call('ZADD', KEYS[1], 2, 'b')
local function range(start, stop)
  local flat = redis.call('ZRANGE', KEYS[1], start, stop, 'WITHSCORES')
  for i = 2, #flat, 2 do flat[i] = tonumber(flat[i]) end
  return flat
end
local all, lastTwo, beyond = range(0, -1), range(-2, -1), range(5, 10)
local removed = redis.call('ZREMRANGEBYSCORE', KEYS[1], 2, 3)
local left = redis.call('ZCARD', KEYS[1])
local removedRest = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '+inf')
return {all, lastTwo, beyond, removed, left, removedRest, redis.call('PTTL', KEYS[1]), redis.call('ZCARD', KEYS[1])}`,
  local(ops, [set]) {
    ops.zadd(set!, 3, 'd')
    ops.zadd(set!, 3, 'c')
    ops.zadd(set!, 1, 'b')
    ops.zadd(set!, 1, 'a')
    ops.zadd(set!, 2, 'b')
    const range = (start: number, stop: number) => ops.zrangeWithScores(set!, start, stop).flat()
    const [all, lastTwo, beyond] = [range(0, -1), range(-2, -1), range(5, 10)]
    const removed = ops.zremRangeByScore(set!, 2, 3)
    const left = ops.zcard(set!)
    const removedRest = ops.zremRangeByScore(set!, -Infinity, Infinity)
    return [all, lastTwo, beyond, removed, left, removedRest, ops.pttl(set!), ops.zcard(set!)]
  },
}

/** Returns ARGV[1] as a reply of the type ARGV[2] names: nil, string, integer, float (truncated) or nested array. */
export const replyShapes: KeyValueScript = {
  name: 'contract:reply-shapes',
  lua: `
local kind = ARGV[2]
if kind == 'nil' then return nil end
if kind == 'string' then return ARGV[1] end
if kind == 'integer' then return tonumber(ARGV[1]) end
if kind == 'float' then return tonumber(ARGV[1]) + 0.75 end
return {ARGV[1], {1, false, 'two'}, {}, -7}`,
  local(_ops, _keys, [value, kind]) {
    if (kind === 'nil') return null
    if (kind === 'string') return value!
    if (kind === 'integer') return Number(value)
    if (kind === 'float') return Number(value) + 0.75
    return [value!, [1, null, 'two'], [], -7]
  },
}

/** Returns the store's time in epoch milliseconds: Redis's TIME on Redis, the clock in memory. */
export const readClock: KeyValueScript = {
  name: 'contract:read-clock',
  lua: `
local time = redis.call('TIME')
return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`,
  local: (ops) => ops.now(),
}

/** KEYS[1]: a key holding a value that is not an integer; the script fails on it. */
export const failing: KeyValueScript = {
  name: 'contract:failing',
  lua: `return redis.call('INCRBY', KEYS[1], 1)`,
  local: (ops, [key]) => ops.incrBy(key!, 1),
}

/** KEYS[1]: written with ARGV[1] and a 60 s TTL. Returns ARGV, so callers see how their args arrived. */
export const writeAndEcho: KeyValueScript = {
  name: 'contract:write-and-echo',
  lua: `
redis.call('SET', KEYS[1], ARGV[1], 'PX', 60000)
return ARGV`,
  local(ops, [key], args) {
    ops.set(key!, args[0]!, 60000)
    return args
  },
}
