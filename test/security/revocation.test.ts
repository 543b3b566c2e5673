import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, errorCode, logIn, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import {
  createUser,
  expectUnauthorized,
  login,
  logout,
  me,
  pairOf,
  patchUser,
  refresh,
} from './auth-helpers.js'

/**
 * Revocation takes effect on the very next request (ASVS 7.4.1, 7.4.2, 8.3.2): logout, disabling, role and
 * password changes and deletion; on the scaled profile also across two nodes sharing PostgreSQL and Redis.
 */
describeOnProfiles('Token revocation', (profile) => {
  let platform: Platform

  beforeAll(async () => {
    platform = await profile.startNode()
  })

  /** An admin and a member of its tenant, logged in. */
  async function adminAndMember(): Promise<{ admin: Account; member: Account }> {
    const admin = await signUp(platform.gateway)
    const created = await createUser(platform.gateway, admin, { roles: ['member'] })
    return { admin, member: await logIn(platform.gateway, created.email, created.password) }
  }

  it('logout ends the access and refresh token at once, and only that session', async () => {
    const { member } = await adminAndMember()
    const second = await logIn(platform.gateway, member.email, member.password)
    expect((await me(platform.gateway, member.accessToken)).statusCode).toBe(200)

    expect((await logout(platform.gateway, member.accessToken)).statusCode).toBe(204)
    expectUnauthorized(await me(platform.gateway, member.accessToken), 'INVALID_TOKEN', 'revoked')
    expectUnauthorized(await refresh(platform.gateway, member.refreshToken), 'INVALID_REFRESH_TOKEN')
    expectUnauthorized(await logout(platform.gateway, member.accessToken), 'INVALID_TOKEN', 'revoked')
    expect((await me(platform.gateway, second.accessToken)).statusCode).toBe(200)
  })

  it('disabling a user ends their access token at once and their refresh fails', async () => {
    const { admin, member } = await adminAndMember()
    expect((await patchUser(platform.gateway, admin, member.userId, { status: 'disabled' })).statusCode).toBe(
      200,
    )
    expectUnauthorized(await me(platform.gateway, member.accessToken), 'INVALID_TOKEN', 'revoked')
    expectUnauthorized(await refresh(platform.gateway, member.refreshToken), 'INVALID_REFRESH_TOKEN')

    // Enabling again does not bring the old session back.
    expect((await patchUser(platform.gateway, admin, member.userId, { status: 'active' })).statusCode).toBe(
      200,
    )
    expectUnauthorized(await me(platform.gateway, member.accessToken), 'INVALID_TOKEN', 'revoked')
    expectUnauthorized(await refresh(platform.gateway, member.refreshToken), 'INVALID_REFRESH_TOKEN')
  })

  it('changing roles ends the old access token; a refresh carries the new roles', async () => {
    const { admin, member } = await adminAndMember()
    const before = await me(platform.gateway, member.accessToken)
    expect(before.json<{ roles: string[] }>().roles).toEqual(['member'])

    expect((await patchUser(platform.gateway, admin, member.userId, { roles: ['viewer'] })).statusCode).toBe(
      200,
    )
    expectUnauthorized(await me(platform.gateway, member.accessToken), 'INVALID_TOKEN', 'revoked')

    const next = pairOf(await refresh(platform.gateway, member.refreshToken))
    const after = await me(platform.gateway, next.accessToken)
    expect(after.statusCode).toBe(200)
    expect(after.json<{ roles: string[]; user: { roles: string[] } }>()).toMatchObject({
      roles: ['viewer'],
      user: { roles: ['viewer'] },
    })
    const createAsViewer = await platform.gateway.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${next.accessToken}` },
      payload: { email: 'someone@example.com', password: 'a long enough passphrase', name: 'Someone' },
    })
    expect({ status: createAsViewer.statusCode, code: errorCode(createAsViewer) }).toEqual({
      status: 403,
      code: 'PERMISSION_DENIED',
    })
  })

  it('an admin password reset ends old sessions; only the new password logs in', async () => {
    const { admin, member } = await adminAndMember()
    const newPassword = 'a brand new long passphrase'
    expect(
      (await patchUser(platform.gateway, admin, member.userId, { password: newPassword })).statusCode,
    ).toBe(200)

    expectUnauthorized(await me(platform.gateway, member.accessToken), 'INVALID_TOKEN', 'revoked')
    expectUnauthorized(await refresh(platform.gateway, member.refreshToken), 'INVALID_REFRESH_TOKEN')
    expectUnauthorized(
      await login(platform.gateway, { email: member.email, password: member.password }),
      'INVALID_CREDENTIALS',
    )
    const fresh = pairOf(await login(platform.gateway, { email: member.email, password: newPassword }))
    expect((await me(platform.gateway, fresh.accessToken)).statusCode).toBe(200)
  })

  it('deleting a user ends their tokens at once', async () => {
    const { admin, member } = await adminAndMember()
    const removed = await platform.gateway.inject({
      method: 'DELETE',
      url: `/api/v1/users/${member.userId}`,
      headers: admin.auth,
    })
    expect(removed.statusCode).toBe(204)
    expectUnauthorized(await me(platform.gateway, member.accessToken), 'INVALID_TOKEN', 'revoked')
    expectUnauthorized(await refresh(platform.gateway, member.refreshToken), 'INVALID_REFRESH_TOKEN')
    expectUnauthorized(
      await login(platform.gateway, { email: member.email, password: member.password }),
      'INVALID_CREDENTIALS',
    )
  })

  it('never takes identity from X-User-Id or X-Tenant-Id headers', async () => {
    const { admin, member } = await adminAndMember()
    const other = await signUp(platform.gateway)
    const spoof = { 'x-user-id': other.userId, 'x-tenant-id': other.tenantId }
    const response = await me(platform.gateway, member.accessToken, spoof)
    expect(response.statusCode).toBe(200)
    expect(response.json<{ user: { id: string; tenantId: string } }>().user).toMatchObject({
      id: member.userId,
      tenantId: admin.tenantId,
    })
    const anonymous = await platform.gateway.inject({ method: 'GET', url: '/api/v1/auth/me', headers: spoof })
    expectUnauthorized(anonymous, 'AUTH_REQUIRED')
  })

  it.skipIf(!profile.canShareNodes)(
    'revocation on one node is honoured by another on the next request',
    async () => {
      const nodeA = platform
      const nodeB = await profile.startNode()
      const { admin, member } = await adminAndMember()

      expect((await me(nodeB.gateway, member.accessToken)).statusCode).toBe(200)
      expect((await logout(nodeA.gateway, member.accessToken)).statusCode).toBe(204)
      expectUnauthorized(await me(nodeB.gateway, member.accessToken), 'INVALID_TOKEN', 'revoked')
      expectUnauthorized(await refresh(nodeB.gateway, member.refreshToken), 'INVALID_REFRESH_TOKEN')

      const again = await logIn(nodeA.gateway, member.email, member.password)
      expect((await me(nodeA.gateway, again.accessToken)).statusCode).toBe(200)
      expect((await me(nodeB.gateway, again.accessToken)).statusCode).toBe(200)
      const adminOnB = await logIn(nodeB.gateway, admin.email, admin.password)
      expect(
        (await patchUser(nodeB.gateway, adminOnB, member.userId, { status: 'disabled' })).statusCode,
      ).toBe(200)
      expectUnauthorized(await me(nodeA.gateway, again.accessToken), 'INVALID_TOKEN', 'revoked')
      expectUnauthorized(await refresh(nodeA.gateway, again.refreshToken), 'INVALID_REFRESH_TOKEN')

      // Role changes on A reach B too.
      expect((await patchUser(nodeA.gateway, admin, member.userId, { status: 'active' })).statusCode).toBe(
        200,
      )
      const third = await logIn(nodeB.gateway, member.email, member.password)
      expect((await me(nodeA.gateway, third.accessToken)).statusCode).toBe(200)
      expect((await patchUser(nodeA.gateway, admin, member.userId, { roles: ['viewer'] })).statusCode).toBe(
        200,
      )
      expectUnauthorized(await me(nodeB.gateway, third.accessToken), 'INVALID_TOKEN', 'revoked')
    },
  )
})
