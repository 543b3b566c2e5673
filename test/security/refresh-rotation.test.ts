import { beforeAll, expect, it } from 'vitest'
import { createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { type Account, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import {
  type TokenPairBody,
  expectUnauthorized,
  login,
  me,
  pairOf,
  refresh,
  tenantAudit,
} from './auth-helpers.js'

/** Refresh tokens are single-use and rotate; a reused one kills its whole family (ASVS 7.2.4, 7.4.1). */
const refreshTtlSeconds = 120
const sessionMaxSeconds = 300

describeOnProfiles('Refresh-token rotation', (profile) => {
  const clock = createManualClock(Date.now())
  let platform: Platform

  beforeAll(async () => {
    platform = await profile.startNode(
      {
        SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '60',
        SYMPHAINY_REFRESH_TOKEN_TTL_SECONDS: String(refreshTtlSeconds),
        SYMPHAINY_SESSION_MAX_SECONDS: String(sessionMaxSeconds),
      },
      { clock },
    )
  })

  /** A tenant admin (whose sign-up opened one login session) and a second, separate login session. */
  async function freshSession(): Promise<{ account: Account; pair: TokenPairBody }> {
    const account = await signUp(platform.gateway)
    const credentials = { email: account.email, password: account.password }
    return { account, pair: pairOf(await login(platform.gateway, credentials)) }
  }

  it('gives a new pair on refresh and the used refresh token stops working', async () => {
    const { pair } = await freshSession()
    const next = pairOf(await refresh(platform.gateway, pair.refreshToken))
    expect(next.refreshToken).not.toBe(pair.refreshToken)
    expect(next.accessToken).not.toBe(pair.accessToken)
    expect((await me(platform.gateway, next.accessToken)).statusCode).toBe(200)

    expectUnauthorized(await refresh(platform.gateway, pair.refreshToken), 'INVALID_REFRESH_TOKEN')
  })

  it('kills the whole family when a used refresh token is replayed, and only that family', async () => {
    const { account, pair: first } = await freshSession()
    const second = pairOf(await refresh(platform.gateway, first.refreshToken))
    const third = pairOf(await refresh(platform.gateway, second.refreshToken))
    expect((await me(platform.gateway, third.accessToken)).statusCode).toBe(200)

    expectUnauthorized(await refresh(platform.gateway, first.refreshToken), 'INVALID_REFRESH_TOKEN')

    expectUnauthorized(await refresh(platform.gateway, third.refreshToken), 'INVALID_REFRESH_TOKEN')
    expectUnauthorized(await me(platform.gateway, third.accessToken), 'INVALID_TOKEN', 'revoked')
    expectUnauthorized(await me(platform.gateway, first.accessToken), 'INVALID_TOKEN', 'revoked')
    // Another login session of the same user is untouched.
    expect((await me(platform.gateway, account.accessToken)).statusCode).toBe(200)
    expect((await refresh(platform.gateway, account.refreshToken)).statusCode).toBe(200)

    const reuse = (await tenantAudit(platform.gateway, account)).filter(
      (event) => event.action === 'auth.refresh_token_reuse',
    )
    expect(reuse).toHaveLength(1)
  })

  it('lets at most one of two concurrent refreshes with the same token succeed', async () => {
    const outcomes: string[] = []
    for (let round = 0; round < 10; round += 1) {
      const { pair } = await freshSession()
      const answers = await Promise.all([
        refresh(platform.gateway, pair.refreshToken),
        refresh(platform.gateway, pair.refreshToken),
      ])
      const ok = answers.filter((answer) => answer.statusCode === 200)
      for (const answer of answers) {
        if (answer.statusCode !== 200) expectUnauthorized(answer, 'INVALID_REFRESH_TOKEN')
      }
      expect(ok.length).toBeLessThanOrEqual(1)
      outcomes.push(answers.map((answer) => answer.statusCode).join('+'))
      // The losing request presented a used token, so the family is gone either way.
      for (const winner of ok) {
        const next = winner.json<TokenPairBody>()
        expectUnauthorized(await refresh(platform.gateway, next.refreshToken), 'INVALID_REFRESH_TOKEN')
      }
    }
    expect(outcomes).toHaveLength(10)
    // Not vacuous: refreshing still works when nobody races.
    expect(outcomes.filter((outcome) => outcome.includes('200')).length).toBeGreaterThan(0)
  })

  it('refuses unknown, empty-looking and oversized refresh tokens without a 5xx', async () => {
    expectUnauthorized(await refresh(platform.gateway, 'rt_not-a-real-token'), 'INVALID_REFRESH_TOKEN')
    const { pair } = await freshSession()
    expectUnauthorized(
      await refresh(platform.gateway, pair.accessToken.slice(0, 500)),
      'INVALID_REFRESH_TOKEN',
    )
    const oversized = await refresh(platform.gateway, 'x'.repeat(513))
    expect(oversized.statusCode).toBe(400)
  })

  it('refuses a refresh token unused for longer than its lifetime', async () => {
    const { pair } = await freshSession()
    clock.advance(refreshTtlSeconds * 1000 - 1)
    const kept = pairOf(await refresh(platform.gateway, pair.refreshToken))
    clock.advance(refreshTtlSeconds * 1000)
    expectUnauthorized(await refresh(platform.gateway, kept.refreshToken), 'INVALID_REFRESH_TOKEN')
  })

  it('cannot stretch a login session past its absolute lifetime by refreshing', async () => {
    let { pair } = await freshSession()
    for (const step of [100, 100, 99]) {
      clock.advance(step * 1000)
      pair = pairOf(await refresh(platform.gateway, pair.refreshToken))
    }
    clock.advance(1000)
    expectUnauthorized(await refresh(platform.gateway, pair.refreshToken), 'INVALID_REFRESH_TOKEN')
  })
})
