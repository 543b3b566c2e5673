import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, errorCode, logIn, signUp, strongPassword } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { auditEvents } from './guard-support.js'

const newPassword = 'a brand new passphrase for ada'
const maxFailures = 3

/**
 * `POST /auth/password`: a signed-in user changes their own password with the current one. Every login session of
 * theirs ends (access and refresh tokens alike), wrong current passwords count as failed logins of the account,
 * and API keys cannot do it.
 */
describeOnProfiles('Security Guard password change', (profile) => {
  let platform: Platform

  beforeAll(async () => {
    platform = await profile.startNode({ SYMPHAINY_LOGIN_MAX_FAILURES: String(maxFailures) })
  })

  const change = (who: { auth: Record<string, string> }, payload: Record<string, unknown>) =>
    platform.gateway.inject({ method: 'POST', url: '/api/v1/auth/password', headers: who.auth, payload })
  const login = (email: string, password: string) =>
    platform.gateway.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })

  it('changes the password and ends every login session of the user, this one too', async () => {
    const first = await signUp(platform.gateway)
    const second = await logIn(platform.gateway, first.email, strongPassword)
    const changed = await change(first, { currentPassword: strongPassword, newPassword })
    expect(changed.statusCode, changed.body).toBe(204)

    for (const session of [first, second]) {
      const me = await platform.gateway.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: session.auth,
      })
      expect(me.statusCode).toBe(401)
      const refreshed = await platform.gateway.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: session.refreshToken },
      })
      expect([refreshed.statusCode, errorCode(refreshed)]).toEqual([401, 'INVALID_REFRESH_TOKEN'])
    }
    expect(errorCode(await login(first.email, strongPassword))).toBe('INVALID_CREDENTIALS')
    const again = await logIn(platform.gateway, first.email, newPassword)
    const events = await auditEvents(platform.gateway, again.auth, { action: 'auth.password_change' })
    expect(events.map((e) => [e.outcome, e.actor.id, e.target?.id])).toEqual([
      ['success', first.userId, first.userId],
    ])
  })

  it('refuses a wrong current password, counts it as a failed login, and locks like login does', async () => {
    const user = await signUp(platform.gateway)
    const wrong = await change(user, { currentPassword: 'not my password at all', newPassword })
    expect([wrong.statusCode, errorCode(wrong)]).toEqual([403, 'CURRENT_PASSWORD_INCORRECT'])
    for (let i = 1; i < maxFailures; i++) {
      await change(user, { currentPassword: `still wrong ${i}`, newPassword })
    }
    // Locked now: even the right password is refused, and login answers as for any locked account.
    const locked = await change(user, { currentPassword: strongPassword, newPassword })
    expect([locked.statusCode, errorCode(locked)]).toEqual([403, 'CURRENT_PASSWORD_INCORRECT'])
    expect(errorCode(await login(user.email, strongPassword))).toBe('INVALID_CREDENTIALS')
    const me = await platform.gateway.inject({ method: 'GET', url: '/api/v1/auth/me', headers: user.auth })
    expect(me.statusCode).toBe(200)
    const denied = await auditEvents(platform.gateway, user.auth, { action: 'auth.password_change' })
    expect(denied.map((e) => e.outcome)).toEqual(Array(maxFailures + 1).fill('denied'))
  })

  it('refuses a weak or unchanged new password without counting an attempt', async () => {
    const user = await signUp(platform.gateway)
    const weak = await change(user, { currentPassword: strongPassword, newPassword: 'password' })
    expect([weak.statusCode, errorCode(weak)]).toEqual([400, 'WEAK_PASSWORD'])
    const same = await change(user, { currentPassword: strongPassword, newPassword: strongPassword })
    expect([same.statusCode, errorCode(same)]).toEqual([400, 'WEAK_PASSWORD'])
    const missing = await change(user, { newPassword })
    expect(missing.statusCode).toBe(400)
    const extra = await change(user, { currentPassword: strongPassword, newPassword, userId: 'usr_x' })
    expect(extra.statusCode).toBe(400)
    expect((await login(user.email, strongPassword)).statusCode).toBe(200)
  })

  it('is not open to API keys or anonymous callers', async () => {
    const user: Account = await signUp(platform.gateway)
    const key = await platform.gateway.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: user.auth,
      payload: { name: 'automation' },
    })
    expect(key.statusCode, key.body).toBe(201)
    const viaKey = await change(
      { auth: { authorization: `ApiKey ${key.json<{ key: string }>().key}` } },
      { currentPassword: strongPassword, newPassword },
    )
    expect([viaKey.statusCode, errorCode(viaKey)]).toEqual([403, 'PASSWORD_CHANGE_NEEDS_USER'])
    const anonymous = await change({ auth: {} }, { currentPassword: strongPassword, newPassword })
    expect(anonymous.statusCode).toBe(401)
    expect((await login(user.email, strongPassword)).statusCode).toBe(200)
  })
})
