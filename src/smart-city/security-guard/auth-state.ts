import type { KeyValueScript, KeyValueStore, ScriptResult } from '../../ports/key-value-store.js'

/**
 * Revocation state every node must agree on, read in one key-value round trip per authenticated request:
 * - `sg:user:<id>`: `<status>:<authVersion>`; a token whose `ver` differs (user disabled, deleted, roles or
 *   password changed) is refused at once.
 * - `sg:session:<id>`: `active` or `revoked` (logout, refresh-token reuse).
 * - `sg:roles:<tenant>`: an opaque version of the tenant's custom roles; each node reloads them when it changes.
 * SQL is the truth. A missing entry is loaded from SQL and written with SET-if-absent, while changes overwrite;
 * so a reader racing a change can never put back the older state.
 */
export const userStateTtlMs = 10 * 60_000

export interface UserState {
  status: 'active' | 'disabled' | 'deleted'
  authVersion: number
}

export interface AuthStateLoaders {
  user(tenantId: string, userId: string): Promise<UserState>
  session(sessionId: string): Promise<'active' | 'revoked'>
}

const readThree: KeyValueScript = {
  name: 'sg-auth-state',
  // KEYS: user, session, roles version. Returns the three values (nil when absent).
  lua: "return { redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3]) }",
  local: (ops, keys) => keys.map((key) => ops.get(key)),
}

/**
 * The key of each id, made once: the same key string every time spares the store building and hashing a new one
 * on every authenticated request. Bounded by emptying it when full.
 */
function keyCache(prefix: string, max = 10_000): (id: string) => string {
  const made = new Map<string, string>()
  return (id) => {
    let key = made.get(id)
    if (key === undefined) {
      if (made.size >= max) made.clear()
      made.set(id, (key = prefix + id))
    }
    return key
  }
}

const sessionKey = keyCache('sg:session:')
const keys = {
  user: keyCache('sg:user:'),
  session: (sessionId: string | null) => sessionKey(sessionId ?? '-'),
  roles: keyCache('sg:roles:'),
}

function encodeUser(state: UserState): string {
  return `${state.status}:${state.authVersion}`
}

function parseUser(value: string): UserState | undefined {
  const [status, version] = value.split(':')
  if ((status !== 'active' && status !== 'disabled' && status !== 'deleted') || !/^\d+$/.test(version ?? ''))
    return undefined
  return { status, authVersion: Number(version) }
}

/** Every authenticated request decodes a user state; the few distinct ones are decoded once. Bounded. */
const decodedUsers = new Map<string, UserState | undefined>()

function decodeUser(value: string): UserState | undefined {
  let state = decodedUsers.get(value)
  if (state === undefined && !decodedUsers.has(value)) {
    if (decodedUsers.size >= 1_000) decodedUsers.clear()
    state = parseUser(value)
    decodedUsers.set(value, state)
  }
  return state
}

export interface AuthSnapshot {
  user: UserState
  session: 'active' | 'revoked' | null
  rolesVersion: string
}

export interface AuthStateCache {
  read(tenantId: string, userId: string, sessionId: string | null): Promise<AuthSnapshot>
  /**
   * `read` at once, when the store runs in this process and holds every entry; undefined otherwise (then `read`).
   * Throws what the store throws.
   */
  peek(tenantId: string, userId: string, sessionId: string | null): AuthSnapshot | undefined
  userChanged(userId: string, state: UserState): Promise<void>
  sessionRevoked(sessionId: string): Promise<void>
  rolesChanged(tenantId: string, version: string): Promise<void>
}

/** The snapshot from the three stored values, or undefined when one of them must be loaded first. */
function snapshotOf(
  userValue: ScriptResult | undefined,
  sessionValue: ScriptResult | undefined,
  rolesValue: ScriptResult | undefined,
  sessionId: string | null,
): AuthSnapshot | undefined {
  const user = typeof userValue === 'string' ? decodeUser(userValue) : undefined
  if (user === undefined || typeof rolesValue !== 'string') return undefined
  if (sessionId === null) return { user, session: null, rolesVersion: rolesValue }
  if (sessionValue !== 'active' && sessionValue !== 'revoked') return undefined
  return { user, session: sessionValue, rolesVersion: rolesValue }
}

export function createAuthStateCache(
  kv: KeyValueStore,
  loaders: AuthStateLoaders,
  newVersion: () => string,
): AuthStateCache {
  const runLocal = kv.runLocal?.bind(kv)
  return {
    async read(tenantId, userId, sessionId) {
      const reply = await kv.runScript(
        readThree,
        [keys.user(userId), keys.session(sessionId), keys.roles(tenantId)],
        [],
      )
      const [userValue, sessionValue, rolesValue] = Array.isArray(reply) ? reply : []
      const known = snapshotOf(userValue, sessionValue, rolesValue, sessionId)
      if (known) return known

      let user = typeof userValue === 'string' ? decodeUser(userValue) : undefined
      if (!user) {
        user = await loaders.user(tenantId, userId)
        await kv.set(keys.user(userId), encodeUser(user), { ttlMs: userStateTtlMs, ifAbsent: true })
      }

      let session: AuthSnapshot['session'] = null
      if (sessionId !== null) {
        if (sessionValue === 'active' || sessionValue === 'revoked') session = sessionValue
        else {
          session = await loaders.session(sessionId)
          await kv.set(keys.session(sessionId), session, { ttlMs: userStateTtlMs, ifAbsent: true })
        }
      }

      let rolesVersion = typeof rolesValue === 'string' ? rolesValue : undefined
      if (rolesVersion === undefined) {
        const candidate = newVersion()
        await kv.set(keys.roles(tenantId), candidate, { ifAbsent: true })
        rolesVersion = (await kv.get(keys.roles(tenantId))) ?? candidate
      }
      return { user, session, rolesVersion }
    },
    peek(tenantId, userId, sessionId) {
      if (runLocal === undefined) return undefined
      const user = keys.user(userId)
      const session = keys.session(sessionId)
      const roles = keys.roles(tenantId)
      return runLocal((ops) => snapshotOf(ops.get(user), ops.get(session), ops.get(roles), sessionId))
    },
    async userChanged(userId, state) {
      await kv.set(keys.user(userId), encodeUser(state), { ttlMs: userStateTtlMs })
    },
    async sessionRevoked(sessionId) {
      await kv.set(keys.session(sessionId), 'revoked', { ttlMs: userStateTtlMs })
    },
    async rolesChanged(tenantId, version) {
      await kv.set(keys.roles(tenantId), version)
    },
  }
}
