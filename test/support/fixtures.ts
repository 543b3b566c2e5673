import type { LightMyRequestResponse } from 'fastify'
import type { Gateway } from '../../src/gateway/build-gateway.js'

/** Thin HTTP helpers over `inject()` for behaviour suites. */
export interface Account {
  accessToken: string
  refreshToken: string
  userId: string
  tenantId: string
  email: string
  password: string
  auth: { authorization: string }
}

let counter = 0
export const strongPassword = 'correct horse battery staple'

export function uniqueEmail(label = 'user'): string {
  counter += 1
  return `${label}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`
}

export async function signUp(
  gateway: Gateway,
  overrides: { email?: string; tenantName?: string } = {},
): Promise<Account> {
  const email = overrides.email ?? uniqueEmail('admin')
  const response = await gateway.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      email,
      password: strongPassword,
      name: 'Ada Admin',
      ...(overrides.tenantName && { tenantName: overrides.tenantName }),
    },
  })
  if (response.statusCode !== 201) throw new Error(`signup failed: ${response.statusCode} ${response.body}`)
  const body = response.json<{
    accessToken: string
    refreshToken: string
    user: { id: string }
    tenant: { id: string }
  }>()
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    userId: body.user.id,
    tenantId: body.tenant.id,
    email,
    password: strongPassword,
    auth: { authorization: `Bearer ${body.accessToken}` },
  }
}

/** Creates a user in the admin's tenant and logs them in. */
export async function addUser(
  gateway: Gateway,
  admin: Account,
  roles: string[],
  label = 'user',
): Promise<Account> {
  const email = uniqueEmail(label)
  const created = await gateway.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: admin.auth,
    payload: { email, password: strongPassword, name: `${label} person`, roles },
  })
  if (created.statusCode !== 201) throw new Error(`create user failed: ${created.statusCode} ${created.body}`)
  return logIn(gateway, email, strongPassword)
}

export async function logIn(gateway: Gateway, email: string, password: string): Promise<Account> {
  const response = await gateway.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
  const body = response.json<{
    accessToken: string
    refreshToken: string
    user: { id: string; tenantId: string }
  }>()
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    userId: body.user.id,
    tenantId: body.user.tenantId,
    email,
    password,
    auth: { authorization: `Bearer ${body.accessToken}` },
  }
}

export function errorCode(response: LightMyRequestResponse): string | undefined {
  try {
    return response.json<{ error?: { code?: string } }>().error?.code
  } catch {
    return undefined
  }
}
