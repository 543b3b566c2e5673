import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Gateway } from '../../src/gateway/build-gateway.js'
import type { Account } from '../support/fixtures.js'

/** Helpers shared by the Security Guard behaviour suites. */
export interface AuditEvent {
  id: string
  at: string
  action: string
  outcome: string
  actor: { type: string; id: string | null }
  target: { type: string; id: string } | null
  ip: string | null
  requestId: string | null
  details: Record<string, unknown>
}

export function requestIdOf(response: LightMyRequestResponse): string {
  const id = response.headers['x-request-id']
  if (typeof id !== 'string') throw new Error('response has no x-request-id')
  return id
}

export async function putRole(
  gateway: Gateway,
  admin: Account,
  name: string,
  permissions: string[],
): Promise<void> {
  const response = await gateway.inject({
    method: 'PUT',
    url: `/api/v1/roles/${name}`,
    headers: admin.auth,
    payload: { permissions },
  })
  if (response.statusCode !== 201 && response.statusCode !== 200)
    throw new Error(`PUT role ${name} failed: ${response.statusCode} ${response.body}`)
}

/** Every audit event the caller can see (following nextCursor), newest first. */
export async function auditEvents(
  gateway: Gateway,
  auth: Record<string, string>,
  options: { action?: string; limit?: number } = {},
): Promise<AuditEvent[]> {
  const events: AuditEvent[] = []
  let cursor: string | null = null
  do {
    const query = new URLSearchParams({ limit: String(options.limit ?? 200) })
    if (options.action !== undefined) query.set('action', options.action)
    if (cursor !== null) query.set('cursor', cursor)
    const response = await gateway.inject({
      method: 'GET',
      url: `/api/v1/audit?${query.toString()}`,
      headers: auth,
    })
    if (response.statusCode !== 200)
      throw new Error(`GET /audit failed: ${response.statusCode} ${response.body}`)
    const page = response.json<{ items: AuditEvent[]; nextCursor: string | null }>()
    events.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  return events
}

/**
 * Inspects response bodies for secrets: password hashes, hash column names, and any refresh token or API key
 * issued earlier in the suite (a response may show only the credential it has just issued).
 */
export function createLeakWatch() {
  const forbidden = ['scrypt$', 'password_hash', 'passwordHash', 'key_hash', 'keyHash']
  const issued = new Set<string>()
  let violations: string[] = []
  let inspected = 0

  function inspect(label: string, body: string): void {
    inspected += 1
    for (const word of forbidden) if (body.includes(word)) violations.push(`${label}: contains ${word}`)
    for (const secret of issued) {
      if (body.includes(secret))
        violations.push(`${label}: repeats an earlier secret ${secret.slice(0, 12)}…`)
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      return
    }
    if (typeof parsed === 'object' && parsed !== null) {
      const { refreshToken, key } = parsed as { refreshToken?: unknown; key?: unknown }
      if (typeof refreshToken === 'string') issued.add(refreshToken)
      if (typeof key === 'string') issued.add(key)
    }
  }

  return {
    inspect,
    /** Responses inspected so far. */
    count: () => inspected,
    /** The violations found since the last call. */
    take(): string[] {
      const found = violations
      violations = []
      return found
    },
  }
}

export type LeakWatch = ReturnType<typeof createLeakWatch>

/** The gateway with every `inject` response passed through the watch (the promise form of inject only). */
export function watchedGateway(gateway: Gateway, watch: LeakWatch): Gateway {
  const inject = async (options: InjectOptions) => {
    const response = await gateway.inject(options)
    const url = typeof options.url === 'string' ? options.url : JSON.stringify(options.url)
    watch.inspect(`${options.method ?? 'GET'} ${url} → ${response.statusCode}`, response.body)
    return response
  }
  return new Proxy(gateway, {
    get: (target, property, receiver): unknown =>
      property === 'inject' ? inject : Reflect.get(target, property, receiver),
  })
}
