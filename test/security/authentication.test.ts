import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, errorCode, signUp, strongPassword, uniqueEmail } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import {
  comparableError,
  createUser,
  expectUnauthorized,
  login,
  me,
  pairOf,
  patchUser,
} from './auth-helpers.js'

/** Sign-up and login rules (ASVS 6.2 password policy, 6.3 login), over HTTP on every profile. */
describeOnProfiles('Sign-up and login', (profile) => {
  let platform: Platform

  beforeAll(async () => {
    platform = await profile.startNode()
  })

  const tag = () => Math.random().toString(36).slice(2, 10)

  function signup(payload: Record<string, unknown>) {
    return platform.gateway.inject({ method: 'POST', url: '/api/v1/auth/signup', payload })
  }

  it('compares emails case-insensitively at login', async () => {
    const id = tag()
    const created = await signUp(platform.gateway, { email: `Ann.${id}@Example.com` })
    const response = await login(platform.gateway, {
      email: `ann.${id}@example.COM`,
      password: strongPassword,
    })
    const pair = pairOf(response)
    expect(pair.user).toMatchObject({
      id: created.userId,
      tenantId: created.tenantId,
      email: `Ann.${id}@Example.com`,
    })
    expect((await me(platform.gateway, pair.accessToken)).statusCode).toBe(200)
  })

  it('asks for tenantId when the same email and password open users in two tenants', async () => {
    const email = uniqueEmail('twice')
    const first = await signUp(platform.gateway, { email })
    const second = await signUp(platform.gateway, { email: email.toUpperCase() })
    expect(second.tenantId).not.toBe(first.tenantId)

    const ambiguous = await login(platform.gateway, { email, password: strongPassword })
    expect({ status: ambiguous.statusCode, code: errorCode(ambiguous) }).toEqual({
      status: 400,
      code: 'TENANT_REQUIRED',
    })
    expect(ambiguous.body).not.toMatch(/accessToken|refreshToken/)
    for (const account of [first, second]) {
      const pair = pairOf(
        await login(platform.gateway, { email, password: strongPassword, tenantId: account.tenantId }),
      )
      expect(pair.user).toMatchObject({ id: account.userId, tenantId: account.tenantId })
    }
  })

  it('logs in to the one tenant whose password matches when an email has several', async () => {
    const email = uniqueEmail('split')
    const first = await signUp(platform.gateway, { email })
    const otherAdmin = await signUp(platform.gateway)
    await createUser(platform.gateway, otherAdmin, { email, password: 'a different long passphrase' })
    const pair = pairOf(await login(platform.gateway, { email, password: strongPassword }))
    expect(pair.user).toMatchObject({ id: first.userId, tenantId: first.tenantId })
  })

  it('refuses a disabled user with the same answer as a wrong password', async () => {
    const admin = await signUp(platform.gateway)
    const user = await createUser(platform.gateway, admin)
    const disabled = await patchUser(platform.gateway, admin, user.id, { status: 'disabled' })
    expect(disabled.statusCode, disabled.body).toBe(200)

    const right = await login(platform.gateway, { email: user.email, password: user.password })
    expectUnauthorized(right, 'INVALID_CREDENTIALS')
    const wrongPassword = await login(platform.gateway, {
      email: user.email,
      password: 'not the password at all',
    })
    expect(comparableError(right)).toEqual(comparableError(wrongPassword))

    expect((await patchUser(platform.gateway, admin, user.id, { status: 'active' })).statusCode).toBe(200)
    expect((await login(platform.gateway, { email: user.email, password: user.password })).statusCode).toBe(
      200,
    )
  })

  it.each([
    { password: 'short', reason: 'too_short' },
    { password: 'password123', reason: 'common' },
    { password: 'x'.repeat(1025), reason: 'too_long' },
  ])('refuses sign-up with a weak password ($reason)', async ({ password, reason }) => {
    const email = uniqueEmail('weak')
    const response = await signup({ email, password, name: 'Wes Weak' })
    expect({ status: response.statusCode, code: errorCode(response) }).toEqual({
      status: 400,
      code: 'WEAK_PASSWORD',
    })
    expect(response.json<{ error: { details: unknown } }>().error.details).toEqual({ reason })
    // Nothing was created.
    expectUnauthorized(await login(platform.gateway, { email, password }), 'INVALID_CREDENTIALS')
  })

  it.each([
    {
      label: 'a 64-character passphrase',
      password: 'the quick brown fox jumps over the lazy dog and keeps on running',
    },
    { label: 'correct horse battery staple', password: 'correct horse battery staple' },
    { label: 'a 1024-character password', password: 'long passphrase '.repeat(64) },
  ])('accepts $label and logs in with it', async ({ password }) => {
    const email = uniqueEmail('strong')
    const response = await signup({ email, password, name: 'Sam Strong' })
    expect(response.statusCode, response.body).toBe(201)
    expect((await login(platform.gateway, { email, password })).statusCode).toBe(200)
    expectUnauthorized(
      await login(platform.gateway, { email, password: password.slice(0, -1) }),
      'INVALID_CREDENTIALS',
    )
  })

  it('lets an email sign up again as a new tenant but not be added twice to one tenant', async () => {
    const admin: Account = await signUp(platform.gateway)
    const again = await signup({ email: admin.email, password: strongPassword, name: 'Ada Again' })
    expect(again.statusCode, again.body).toBe(201)
    expect(again.json<{ tenant: { id: string } }>().tenant.id).not.toBe(admin.tenantId)

    const member = await createUser(platform.gateway, admin)
    for (const email of [
      admin.email,
      admin.email.toUpperCase(),
      member.email,
      member.email.replace(/^./, (first) => first.toUpperCase()),
    ]) {
      const response = await platform.gateway.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: admin.auth,
        payload: { email, password: strongPassword, name: 'Dee Duplicate' },
      })
      expect({ email, status: response.statusCode, code: errorCode(response) }).toEqual({
        email,
        status: 409,
        code: 'EMAIL_TAKEN',
      })
    }
  })

  it('refuses sign-up when SYMPHAINY_SIGNUP_ENABLED=false, and creates nothing', async () => {
    const closed = await profile.startNode({ SYMPHAINY_SIGNUP_ENABLED: 'false' })
    const email = uniqueEmail('closed')
    const response = await closed.gateway.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: strongPassword, name: 'Cleo Closed' },
    })
    expect({ status: response.statusCode, code: errorCode(response) }).toEqual({
      status: 403,
      code: 'SIGNUP_DISABLED',
    })
    expectUnauthorized(
      await login(closed.gateway, { email, password: strongPassword }),
      'INVALID_CREDENTIALS',
    )
  })

  it('creates one user when ten admins race to add the same email in any case', async () => {
    const admin = await signUp(platform.gateway)
    const email = uniqueEmail('race')
    const variants = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? email : email.toUpperCase()))
    const answers = await Promise.all(
      variants.map((variant) =>
        platform.gateway.inject({
          method: 'POST',
          url: '/api/v1/users',
          headers: admin.auth,
          payload: { email: variant, password: strongPassword, name: 'Rae Racer' },
        }),
      ),
    )
    const statuses = answers.map((answer) => `${answer.statusCode} ${errorCode(answer) ?? ''}`.trim()).sort()
    expect(statuses).toEqual(['201', ...Array<string>(9).fill('409 EMAIL_TAKEN')])
  })
})
