import { beforeAll, expect, it } from 'vitest'
import { createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { type Account, signUp, uniqueEmail } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import {
  type Response,
  auditRows,
  comparableError,
  createUser,
  expectUnauthorized,
  login,
  tenantAudit,
} from './auth-helpers.js'

/**
 * M4 (OWASP API2, ASVS 6.3.1 / 6.3.8): lockout per account and per IP, on the platform clock.
 *
 * "Evaluated" is proven from the audit trail rather than the hasher's `hashesComputed` counter (the platform does
 * not expose it): an attempt that got a limiter slot is checked and records an `auth.login` failure (in the user's
 * tenant, read as the tenant admin over HTTP); one refused by the limiter records `auth.login_locked`, which has no
 * tenant and is counted in the database. Every test uses its own client IP, so IP counters never mix.
 */
const maxFailures = 5
const ipMaxFailures = 12
const lockSeconds = 300

describeOnProfiles('Login brute-force protection', (profile) => {
  const clock = createManualClock(Date.now())
  let platform: Platform

  beforeAll(async () => {
    platform = await profile.startNode(
      {
        SYMPHAINY_LOGIN_MAX_FAILURES: String(maxFailures),
        SYMPHAINY_LOGIN_IP_MAX_FAILURES: String(ipMaxFailures),
        SYMPHAINY_LOGIN_LOCK_SECONDS: String(lockSeconds),
      },
      { clock },
    )
  })

  let ipCounter = 0
  const freshIp = () => `10.77.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`

  async function victim(): Promise<{ admin: Account; id: string; email: string; password: string }> {
    const admin = await signUp(platform.gateway)
    return { admin, ...(await createUser(platform.gateway, admin)) }
  }

  function wrong(email: string, ip: string): Promise<Response> {
    return login(platform.gateway, { email, password: 'not the right password at all' }, ip)
  }

  async function loginEvents(admin: Account, userId: string) {
    const events = (await tenantAudit(platform.gateway, admin)).filter((e) => e.target?.id === userId)
    return {
      failures: events.filter((e) => e.action === 'auth.login' && e.outcome === 'failure'),
      locks: events.filter((e) => e.action === 'auth.account_locked'),
      successes: events.filter((e) => e.action === 'auth.login' && e.outcome === 'success'),
    }
  }

  async function lockedRows(email: string) {
    return (await auditRows(platform, 'auth.login_locked')).filter((row) => row.details['email'] === email)
  }

  it('evaluates exactly 5 of 50 parallel wrong passwords, answers all alike, then refuses the right one until the lock ends', async () => {
    const user = await victim()
    const ip = freshIp()
    const responses = await Promise.all(Array.from({ length: 50 }, () => wrong(user.email, ip)))

    for (const response of responses) expectUnauthorized(response, 'INVALID_CREDENTIALS')
    const shapes = responses.map(comparableError)
    expect(new Set(shapes.map((shape) => JSON.stringify(shape))).size).toBe(1)
    expect(
      new Set(responses.map((r) => r.json<{ error: { requestId: string } }>().error.requestId)).size,
    ).toBe(50)

    const events = await loginEvents(user.admin, user.id)
    expect(events.failures.map((e) => e.details['attempt']).sort()).toEqual([1, 2, 3, 4, 5])
    expect(events.locks).toHaveLength(1)
    expect(events.locks[0]).toMatchObject({ outcome: 'denied', ip, details: { attempt: maxFailures } })
    const locked = await lockedRows(user.email)
    expect(locked).toHaveLength(45)
    expect(locked.every((row) => row.details['lockedBy'] === 'account' && row.tenantId === null)).toBe(true)

    // Locked: the right password answers exactly like a wrong one, from this IP and from any other.
    const right = await login(platform.gateway, { email: user.email, password: user.password }, ip)
    expect(comparableError(right)).toEqual(shapes[0])
    const elsewhere = await login(platform.gateway, { email: user.email, password: user.password }, freshIp())
    expect(comparableError(elsewhere)).toEqual(shapes[0])
    expect((await loginEvents(user.admin, user.id)).failures).toHaveLength(5)

    clock.advance(lockSeconds * 1000 - 1)
    expectUnauthorized(
      await login(platform.gateway, { email: user.email, password: user.password }, ip),
      'INVALID_CREDENTIALS',
    )
    clock.advance(1)
    const unlocked = await login(platform.gateway, { email: user.email, password: user.password }, ip)
    expect(unlocked.statusCode, unlocked.body).toBe(200)
  })

  it('counts case variants of the email against one account', async () => {
    const user = await victim()
    const ip = freshIp()
    const [local, domain] = user.email.split('@') as [string, string]
    const variants = [
      user.email.toUpperCase(),
      `${local}@${domain.toUpperCase()}`,
      `  ${user.email}  `.trim(),
      `${local[0]!.toUpperCase()}${local.slice(1)}@${domain}`,
      user.email.toUpperCase(),
    ]
    for (const email of variants) expectUnauthorized(await wrong(email, ip), 'INVALID_CREDENTIALS')

    const refused = await login(platform.gateway, { email: user.email, password: user.password }, ip)
    expect(comparableError(refused)).toEqual(comparableError(await wrong(user.email, ip)))
    const events = await loginEvents(user.admin, user.id)
    expect(events.failures).toHaveLength(maxFailures)
    expect(events.locks).toHaveLength(1)
    expect(events.successes).toHaveLength(0)
    expect(await lockedRows(user.email)).toHaveLength(2)
  })

  it('locks a client IP that fails with many different emails, and only that IP', async () => {
    const admin = await signUp(platform.gateway)
    const user = await createUser(platform.gateway, admin)
    const ip = freshIp()
    const probes = Array.from({ length: ipMaxFailures }, () => uniqueEmail('probe'))
    for (const email of probes) expectUnauthorized(await wrong(email, ip), 'INVALID_CREDENTIALS')

    const fromLockedIp = await login(platform.gateway, { email: user.email, password: user.password }, ip)
    expect(comparableError(fromLockedIp)).toEqual(
      comparableError(await wrong(uniqueEmail('probe'), freshIp())),
    )
    const ipLocks = (await lockedRows(user.email)).filter((row) => row.details['lockedBy'] === 'ip')
    expect(ipLocks).toMatchObject([{ ip }])

    const fromOtherIp = await login(
      platform.gateway,
      { email: user.email, password: user.password },
      freshIp(),
    )
    expect(fromOtherIp.statusCode, fromOtherIp.body).toBe(200)

    clock.advance(lockSeconds * 1000)
    const afterLock = await login(platform.gateway, { email: user.email, password: user.password }, ip)
    expect(afterLock.statusCode, afterLock.body).toBe(200)
  })

  it('resets the account counter on a successful login', async () => {
    const user = await victim()
    const ip = freshIp()
    const right = () => login(platform.gateway, { email: user.email, password: user.password }, ip)
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < maxFailures - 1; i += 1) {
        expectUnauthorized(await wrong(user.email, ip), 'INVALID_CREDENTIALS')
      }
      const response = await right()
      expect(response.statusCode, response.body).toBe(200)
    }
    const events = await loginEvents(user.admin, user.id)
    expect(events.failures).toHaveLength(2 * (maxFailures - 1))
    expect(events.locks).toHaveLength(0)
    expect(events.successes).toHaveLength(2)
  })

  it('answers an unknown email exactly like a wrong password for a known one', async () => {
    const user = await victim()
    const known = await wrong(user.email, freshIp())
    const unknown = await wrong(uniqueEmail('nobody'), freshIp())
    expectUnauthorized(known, 'INVALID_CREDENTIALS')
    expectUnauthorized(unknown, 'INVALID_CREDENTIALS')
    expect(comparableError(unknown)).toEqual(comparableError(known))
    expect(unknown.headers['www-authenticate']).toBe(known.headers['www-authenticate'])
    expect(unknown.headers['content-type']).toBe(known.headers['content-type'])
  })
})
