import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import type { Gateway } from '../../src/gateway/build-gateway.js'
import type { Platform } from '../../src/platform.js'
import { securityDb } from '../../src/smart-city/security-guard/store/tables.js'
import { type Account, errorCode, strongPassword, uniqueEmail } from '../support/fixtures.js'

/** HTTP helpers shared by the security suites; everything goes through `gateway.inject()`. */
export type Response = LightMyRequestResponse

export interface ErrorBody {
  code: string
  message: string
  details: Record<string, unknown>
  requestId: string
}

export function errorOf(response: Response): ErrorBody {
  return response.json<{ error: ErrorBody }>().error
}

/** The error without its request id: what must be identical between two answers that must not differ. */
export function comparableError(response: Response) {
  const { requestId, ...rest } = errorOf(response)
  expect(requestId).toEqual(expect.any(String))
  return { status: response.statusCode, keys: Object.keys(response.json<object>()), ...rest }
}

/** A 401 with the given code and the `WWW-Authenticate` challenge. */
export function expectUnauthorized(response: Response, code: string, reason?: string): void {
  expect({ status: response.statusCode, code: errorCode(response) }).toEqual({ status: 401, code })
  expect(response.headers['www-authenticate']).toMatch(/^Bearer realm=/)
  if (reason !== undefined) expect(errorOf(response).details).toEqual({ reason })
}

export function me(gateway: Gateway, accessToken: string, headers: Record<string, string> = {}) {
  return gateway.inject({
    method: 'GET',
    url: '/api/v1/auth/me',
    headers: { ...headers, authorization: `Bearer ${accessToken}` },
  })
}

export function refresh(gateway: Gateway, refreshToken: string) {
  return gateway.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } })
}

export function logout(gateway: Gateway, accessToken: string) {
  return gateway.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    headers: { authorization: `Bearer ${accessToken}` },
  })
}

export function login(
  gateway: Gateway,
  payload: { email: string; password: string; tenantId?: string },
  remoteAddress = '127.0.0.1',
) {
  return gateway.inject({ method: 'POST', url: '/api/v1/auth/login', payload, remoteAddress })
}

export interface TokenPairBody {
  accessToken: string
  refreshToken: string
  user: { id: string; tenantId: string; roles: string[] }
}

export function pairOf(response: Response): TokenPairBody {
  expect(response.statusCode, response.body).toBe(200)
  return response.json<TokenPairBody>()
}

/** Creates a user in the admin's tenant without logging in (so no login counter moves). */
export async function createUser(
  gateway: Gateway,
  admin: Account,
  options: { email?: string; password?: string; roles?: string[] } = {},
): Promise<{ id: string; email: string; password: string }> {
  const email = options.email ?? uniqueEmail('member')
  const password = options.password ?? strongPassword
  const response = await gateway.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: admin.auth,
    payload: { email, password, name: 'Mo Member', roles: options.roles ?? ['member'] },
  })
  expect(response.statusCode, response.body).toBe(201)
  return { id: response.json<{ id: string }>().id, email, password }
}

export function patchUser(gateway: Gateway, admin: Account, id: string, payload: Record<string, unknown>) {
  return gateway.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: admin.auth, payload })
}

export interface AuditEventBody {
  action: string
  outcome: string
  target: { type: string; id: string } | null
  ip: string | null
  details: Record<string, unknown>
}

/** Every audit event of the admin's tenant (all pages), newest first. */
export async function tenantAudit(gateway: Gateway, admin: Account): Promise<AuditEventBody[]> {
  const events: AuditEventBody[] = []
  let cursor: string | null = null
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`
    const response = await gateway.inject({
      method: 'GET',
      url: `/api/v1/audit?limit=200${query}`,
      headers: admin.auth,
    })
    expect(response.statusCode, response.body).toBe(200)
    const page = response.json<{ items: AuditEventBody[]; nextCursor: string | null }>()
    events.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  return events
}

/** Platform-wide audit rows (tenant-less ones included), read straight from the database. */
export async function auditRows(platform: Platform, action: string) {
  const rows = await securityDb(platform.infra.database)
    .selectFrom('sg_audit_events')
    .selectAll()
    .where('action', '=', action)
    .execute()
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    outcome: row.outcome,
    ip: row.ip,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }))
}
