import { createHash, randomBytes } from 'node:crypto'
import type { Principal } from '../../kernel/principal.js'
import type { RequestMeta } from './audit-log.js'
import type { SecurityContext } from './context.js'
import { securityErrors } from './errors.js'
import { checkPasswordPolicy } from './passwords/password-policy.js'
import { sessionsStore } from './store/sessions-store.js'
import type { SecurityDb } from './store/tables.js'
import { tenantsStore } from './store/tenants-store.js'
import { type UserRecord, emailKeyOf, usersStore } from './store/users-store.js'
import { afterAuthChange } from './user-access.js'
import { type TenantView, type UserView, tenantView, userView } from './views.js'

/**
 * Sign-up, login, refresh and logout. A login opens a login session; its refresh tokens form one family, rotated
 * on every use by a guarded single-row update, so of two concurrent refreshes at most one succeeds, and a token
 * presented a second time revokes the whole session.
 */
export interface TokenPair {
  accessToken: string
  accessTokenExpiresAt: number
  refreshToken: string
  refreshTokenExpiresAt: number
}

export interface SignupInput {
  email: string
  password: string
  name: string
  tenantName?: string | undefined
}

export interface LoginInput {
  email: string
  password: string
  tenantId?: string | undefined
}

const maxLoginCandidates = 10

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export function createAccounts(ctx: SecurityContext) {
  async function openSession(db: SecurityDb, user: UserRecord): Promise<TokenPair> {
    const now = ctx.clock.now()
    const sessionId = ctx.ids.next('lgs')
    const sessionExpiresAt = now + ctx.settings.sessionMaxSeconds * 1000
    await sessionsStore.insertSession(db, {
      id: sessionId,
      tenantId: user.tenantId,
      userId: user.id,
      status: 'active',
      createdAt: now,
      expiresAt: sessionExpiresAt,
    })
    return issuePair(db, user, sessionId, sessionExpiresAt)
  }

  async function issuePair(
    db: SecurityDb,
    user: UserRecord,
    sessionId: string,
    sessionExpiresAt: number,
  ): Promise<TokenPair> {
    const now = ctx.clock.now()
    const refreshToken = `rt_${randomBytes(32).toString('base64url')}`
    const refreshTokenExpiresAt = Math.min(now + ctx.settings.refreshTokenTtlSeconds * 1000, sessionExpiresAt)
    await sessionsStore.insertRefreshToken(db, {
      tokenHash: hashRefreshToken(refreshToken),
      tenantId: user.tenantId,
      userId: user.id,
      sessionId,
      status: 'active',
      createdAt: now,
      expiresAt: refreshTokenExpiresAt,
    })
    const access = await ctx
      .tokens()
      .issue({ sub: user.id, tid: user.tenantId, sid: sessionId, ver: user.authVersion, roles: user.roles })
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken,
      refreshTokenExpiresAt,
    }
  }

  async function failLogin(
    failure: { tenantId: string | null; userId: string | null; email: string; attempt: number },
    meta: RequestMeta,
  ): Promise<never> {
    const target = failure.userId ? { type: 'user', id: failure.userId } : null
    const details = { email: emailKeyOf(failure.email), attempt: failure.attempt }
    await ctx.audit.record(
      ctx.db,
      { tenantId: failure.tenantId, action: 'auth.login', outcome: 'failure', target, details },
      meta,
    )
    if (failure.attempt >= ctx.settings.loginMaxFailures) {
      await ctx.audit.record(
        ctx.db,
        { tenantId: failure.tenantId, action: 'auth.account_locked', outcome: 'denied', target, details },
        meta,
      )
    }
    throw securityErrors.INVALID_CREDENTIALS()
  }

  return {
    async signup(
      input: SignupInput,
      meta: RequestMeta,
    ): Promise<{ user: UserView; tenant: TenantView } & TokenPair> {
      if (!ctx.settings.signupEnabled) throw securityErrors.SIGNUP_DISABLED()
      checkPasswordPolicy(input.password, { email: input.email, name: input.name })
      const passwordHash = await ctx.hasher.hash(input.password)
      const now = ctx.clock.now()
      const tenant = {
        id: ctx.ids.next('ten'),
        name: input.tenantName ?? `${input.name}'s workspace`,
        status: 'active' as const,
        createdAt: now,
        updatedAt: now,
      }
      const user: UserRecord = {
        id: ctx.ids.next('usr'),
        tenantId: tenant.id,
        email: input.email.trim(),
        emailKey: emailKeyOf(input.email),
        name: input.name.trim(),
        passwordHash,
        roles: ['admin'],
        status: 'active',
        authVersion: 0,
        createdAt: now,
        updatedAt: now,
      }
      const pair = await ctx.transaction(async (db) => {
        await tenantsStore.insert(db, tenant)
        await usersStore.insert(db, user)
        await ctx.audit.record(
          db,
          {
            tenantId: tenant.id,
            action: 'auth.signup',
            outcome: 'success',
            actor: { type: 'user', id: user.id },
            target: { type: 'tenant', id: tenant.id },
          },
          meta,
        )
        return openSession(db, user)
      })
      return { user: userView(user), tenant: tenantView(tenant), ...pair }
    },

    async login(input: LoginInput, meta: RequestMeta): Promise<{ user: UserView } & TokenPair> {
      const accountKey = emailKeyOf(input.email)
      const ip = meta.ip ?? 'unknown'
      const reservation = await ctx.limiter.reserve(accountKey, ip)
      if (!reservation.allowed) {
        await ctx.audit.record(
          ctx.db,
          {
            tenantId: null,
            action: 'auth.login_locked',
            outcome: 'denied',
            target: null,
            details: { email: accountKey, lockedBy: reservation.lockedBy, until: reservation.retryAt },
          },
          meta,
        )
        throw securityErrors.INVALID_CREDENTIALS()
      }
      const candidates = await usersStore.findByEmail(ctx.db, accountKey, input.tenantId, maxLoginCandidates)
      if (candidates.length === 0) {
        await ctx.hasher.verifyDummy(input.password)
        return failLogin(
          { tenantId: null, userId: null, email: input.email, attempt: reservation.attempt },
          meta,
        )
      }
      const matching: UserRecord[] = []
      for (const candidate of candidates) {
        if (await ctx.hasher.verify(input.password, candidate.passwordHash)) matching.push(candidate)
      }
      const active = matching.filter((u) => u.status === 'active')
      if (active.length === 0) {
        const first = candidates[0]!
        return failLogin(
          { tenantId: first.tenantId, userId: first.id, email: input.email, attempt: reservation.attempt },
          meta,
        )
      }
      await ctx.limiter.succeeded(accountKey, ip)
      if (active.length > 1) throw securityErrors.TENANT_REQUIRED()
      const user = active[0]!
      const pair = await ctx.transaction(async (db) => {
        await ctx.audit.record(
          db,
          {
            tenantId: user.tenantId,
            action: 'auth.login',
            outcome: 'success',
            actor: { type: 'user', id: user.id },
            target: { type: 'user', id: user.id },
          },
          meta,
        )
        return openSession(db, user)
      })
      return { user: userView(user), ...pair }
    },

    async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
      const tokenHash = hashRefreshToken(refreshToken)
      const now = ctx.clock.now()
      const outcome = await ctx.transaction(async (db) => {
        const stored = await sessionsStore.getRefreshToken(db, tokenHash)
        if (!stored) return { kind: 'invalid' as const }
        if (stored.status !== 'active' || !(await sessionsStore.markUsed(db, tokenHash, now))) {
          const wasActive = await sessionsStore.revokeSession(
            db,
            stored.sessionId,
            now,
            'refresh_token_reuse',
          )
          if (stored.status === 'used' || wasActive) {
            await ctx.audit.record(
              db,
              {
                tenantId: stored.tenantId,
                action: 'auth.refresh_token_reuse',
                outcome: 'denied',
                actor: { type: 'user', id: stored.userId },
                target: { type: 'session', id: stored.sessionId },
              },
              meta,
            )
          }
          return { kind: 'reused' as const, sessionId: stored.sessionId, userId: stored.userId }
        }
        const session = await sessionsStore.getSession(db, stored.sessionId)
        const user = await usersStore.get(db, stored.tenantId, stored.userId)
        if (
          stored.expiresAt <= now ||
          !session ||
          session.status !== 'active' ||
          session.expiresAt <= now ||
          user?.status !== 'active'
        ) {
          return { kind: 'invalid' as const }
        }
        return { kind: 'ok' as const, pair: await issuePair(db, user, session.id, session.expiresAt) }
      })
      if (outcome.kind === 'reused') {
        await ctx.authState.sessionRevoked(outcome.sessionId)
        await ctx.announceRevocation({ userId: outcome.userId, loginSessionId: outcome.sessionId })
      }
      if (outcome.kind !== 'ok') throw securityErrors.INVALID_REFRESH_TOKEN()
      return outcome.pair
    },

    /**
     * A signed-in user changes their own password. The current one must match: a wrong one counts against the
     * account as a failed login does, and a locked account answers the same way. The new one must pass the policy
     * and differ. Then every login session of the user ends, this one too, and their access tokens stop working on
     * every node at once: they log in again with the new password.
     */
    async changePassword(
      principal: Principal,
      input: { currentPassword: string; newPassword: string },
      meta: RequestMeta,
    ): Promise<void> {
      if (principal.kind !== 'user') throw securityErrors.PASSWORD_CHANGE_NEEDS_USER()
      const user = await usersStore.get(ctx.db, principal.tenantId, principal.userId)
      if (user?.status !== 'active') throw securityErrors.INVALID_TOKEN()
      checkPasswordPolicy(input.newPassword, { email: user.email, name: user.name })
      const accountKey = emailKeyOf(user.email)
      const ip = meta.ip ?? 'unknown'
      const reservation = await ctx.limiter.reserve(accountKey, ip)
      const target = { type: 'user', id: user.id }
      const actor = { type: 'user' as const, id: user.id }
      if (!reservation.allowed || !(await ctx.hasher.verify(input.currentPassword, user.passwordHash))) {
        const details = reservation.allowed
          ? { attempt: reservation.attempt }
          : { lockedBy: reservation.lockedBy, until: reservation.retryAt }
        await ctx.audit.record(
          ctx.db,
          {
            tenantId: user.tenantId,
            action: 'auth.password_change',
            outcome: 'denied',
            actor,
            target,
            details,
          },
          meta,
        )
        throw securityErrors.CURRENT_PASSWORD_INCORRECT()
      }
      await ctx.limiter.succeeded(accountKey, ip)
      if (input.newPassword === input.currentPassword) {
        throw securityErrors.WEAK_PASSWORD({ reason: 'it is the current password' })
      }
      const passwordHash = await ctx.hasher.hash(input.newPassword)
      await ctx.transaction(async (db) => {
        const now = ctx.clock.now()
        await usersStore.update(db, user.tenantId, user.id, {
          ...user,
          passwordHash,
          authVersion: user.authVersion + 1,
          updatedAt: now,
        })
        await ctx.audit.record(
          db,
          { tenantId: user.tenantId, action: 'auth.password_change', outcome: 'success', actor, target },
          meta,
        )
      })
      await afterAuthChange(ctx, user, 'active', true)
    },

    async logout(
      tenantId: string,
      userId: string,
      sessionId: string | null,
      meta: RequestMeta,
    ): Promise<void> {
      if (sessionId === null) return
      await ctx.transaction(async (db) => {
        await sessionsStore.revokeSession(db, sessionId, ctx.clock.now(), 'logout')
        await ctx.audit.record(
          db,
          {
            tenantId,
            action: 'auth.logout',
            outcome: 'success',
            actor: { type: 'user', id: userId },
            target: { type: 'session', id: sessionId },
          },
          meta,
        )
      })
      await ctx.authState.sessionRevoked(sessionId)
      await ctx.announceRevocation({ userId, loginSessionId: sessionId })
    },
  }
}

export type Accounts = ReturnType<typeof createAccounts>
