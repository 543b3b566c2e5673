import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { TokenPair } from '../accounts.js'
import type { SecurityGuard } from '../security-guard.js'
import { iso } from '../views.js'
import { metaOf } from './request-meta.js'
import { Email, Id, Password, PersonName, TenantView, TokenPairView, UserView } from './schemas.js'

const tags = ['security-guard']
const strict = { additionalProperties: false }

function pairView(pair: TokenPair) {
  return {
    accessToken: pair.accessToken,
    accessTokenExpiresAt: iso(pair.accessTokenExpiresAt),
    refreshToken: pair.refreshToken,
    refreshTokenExpiresAt: iso(pair.refreshTokenExpiresAt),
  }
}

export function authRoutes(guard: SecurityGuard): FastifyPluginAsyncTypebox {
  return (app) => {
    app.post(
      '/api/v1/auth/signup',
      {
        config: { security: { public: true } },
        schema: {
          tags,
          summary: 'Create a tenant whose first user is its admin',
          body: Type.Object(
            {
              email: Email,
              password: Password,
              name: PersonName,
              tenantName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            },
            strict,
          ),
          response: {
            201: Type.Object({ user: UserView, tenant: TenantView, ...TokenPairView }),
            400: ErrorResponse,
            409: ErrorResponse,
          },
        },
      },
      async (request, reply) => {
        const result = await guard.accounts.signup(request.body, metaOf(request))
        return reply.code(201).send({ user: result.user, tenant: result.tenant, ...pairView(result) })
      },
    )
    app.post(
      '/api/v1/auth/login',
      {
        config: { security: { public: true } },
        schema: {
          tags,
          summary: 'Exchange email and password for tokens; wrong and locked answer alike',
          body: Type.Object({ email: Email, password: Password, tenantId: Type.Optional(Id) }, strict),
          response: { 200: Type.Object({ user: UserView, ...TokenPairView }), 401: ErrorResponse },
        },
      },
      async (request) => {
        const result = await guard.accounts.login(request.body, metaOf(request))
        return { user: result.user, ...pairView(result) }
      },
    )
    app.post(
      '/api/v1/auth/refresh',
      {
        config: { security: { public: true } },
        schema: {
          tags,
          summary: 'Rotate a refresh token; reusing one revokes its whole login session',
          body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }, strict),
          response: { 200: Type.Object(TokenPairView), 401: ErrorResponse },
        },
      },
      async (request) => pairView(await guard.accounts.refresh(request.body.refreshToken, metaOf(request))),
    )
    app.post(
      '/api/v1/auth/logout',
      {
        config: { security: { authenticated: true } },
        schema: {
          tags,
          summary: "Revoke the current login session's tokens",
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        await guard.accounts.logout(
          principal.tenantId,
          principal.userId,
          principal.sessionId,
          metaOf(request),
        )
        return reply.code(204).send(null)
      },
    )
    app.post(
      '/api/v1/auth/password',
      {
        config: { security: { authenticated: true } },
        schema: {
          tags,
          summary: 'Change your own password; every login session of yours ends, this one too',
          body: Type.Object({ currentPassword: Password, newPassword: Password }, strict),
          response: { 204: Type.Null(), 400: ErrorResponse, 403: ErrorResponse },
        },
      },
      async (request, reply) => {
        await guard.accounts.changePassword(principalOf(request), request.body, metaOf(request))
        return reply.code(204).send(null)
      },
    )
    app.get(
      '/api/v1/auth/me',
      {
        config: { security: { authenticated: true } },
        schema: {
          tags,
          summary: 'The caller: user, tenant, roles and effective permissions',
          response: {
            200: Type.Object({
              user: UserView,
              tenant: TenantView,
              roles: Type.Array(Type.String()),
              permissions: Type.Array(Type.String()),
              via: Type.Union([Type.Literal('user'), Type.Literal('api_key')]),
              apiKeyId: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      (request) => guard.me(principalOf(request)) as never,
    )
    app.get(
      '/api/v1/auth/principal',
      {
        config: { security: { authenticated: true } },
        schema: {
          tags,
          summary: 'Who the credentials name, from the token alone (no lookups): a cheap token check',
          response: {
            200: Type.Object({
              tenantId: Type.String(),
              userId: Type.String(),
              via: Type.Union([Type.Literal('user'), Type.Literal('api_key')]),
              roles: Type.Array(Type.String()),
            }),
          },
        },
      },
      (request) => {
        const principal = principalOf(request)
        return {
          tenantId: principal.tenantId,
          userId: principal.userId,
          via: principal.kind,
          roles: principal.roles,
        }
      },
    )
    app.get(
      '/.well-known/jwks.json',
      {
        config: { security: { public: true } },
        schema: {
          tags,
          summary: 'Public keys that verify access tokens',
          response: { 200: Type.Object({ keys: Type.Array(Type.Unknown()) }) },
        },
      },
      (_request, reply) => {
        void reply.header('cache-control', 'public, max-age=300')
        return guard.jwks()
      },
    )
    return Promise.resolve()
  }
}
