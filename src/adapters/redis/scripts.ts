import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { ScriptResult } from '../../ports/key-value-store.js'

export interface LuaScript {
  name: string
  lua: string
}

/**
 * KEYS[1]: the counter. ARGV[1]: the whole amount to add. ARGV[2]: TTL in ms, applied only when this call creates
 * the key, so a fixed window does not slide. Returns the new value; fails like INCRBY on a non-integer value.
 */
export const incrementWithTtl: LuaScript = {
  name: 'symphainy:increment-with-ttl',
  lua: `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`,
}

/**
 * KEYS[1]: the key. ARGV[1]: '1' when a value is expected, '0' when the key must be absent. ARGV[2]: the expected
 * value. ARGV[3]: '1' to write ARGV[4], '0' to delete the key. ARGV[5]: TTL in ms for the new value, '' for none
 * (like SET, a value written without TTL has none). Returns 1 when it swapped, 0 when the current value differed.
 */
export const compareAndSet: LuaScript = {
  name: 'symphainy:compare-and-set',
  lua: `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '0' then
  redis.call('DEL', KEYS[1])
elseif ARGV[5] == '' then
  redis.call('SET', KEYS[1], ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
end
return 1`,
}

export type ScriptRunner = (
  client: Redis,
  script: LuaScript,
  keys: string[],
  args: (string | number)[],
) => Promise<unknown>

/**
 * Runs scripts by EVALSHA, keeping each script's SHA1 by name. A server that does not have the script (first use,
 * restart, SCRIPT FLUSH) answers NOSCRIPT; the script then goes once by EVAL, which also caches it on the server.
 */
export function createScriptRunner(): ScriptRunner {
  const shas = new Map<string, { lua: string; sha: string }>()
  return (client, script, keys, args) => {
    let cached = shas.get(script.name)
    if (cached?.lua !== script.lua) {
      cached = { lua: script.lua, sha: createHash('sha1').update(script.lua).digest('hex') }
      shas.set(script.name, cached)
    }
    return client.evalsha(cached.sha, keys.length, ...keys, ...args).catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return client.eval(script.lua, keys.length, ...keys, ...args)
    })
  }
}

/** Checks a script reply against ScriptResult; RESP3 booleans become what RESP2 gives (1 and null). */
export function toScriptResult(reply: unknown): ScriptResult {
  if (reply === null || typeof reply === 'number' || typeof reply === 'string') return reply
  if (reply === true) return 1
  if (reply === false) return null
  if (Buffer.isBuffer(reply)) return reply.toString('utf8')
  if (Array.isArray(reply)) return reply.map(toScriptResult)
  throw new TypeError(`Unexpected script reply of type ${typeof reply}`)
}
