import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Type } from 'typebox'
import { errorKinds, PlatformError, statusByKind } from '../../src/kernel/errors.js'
import { buildGateway, type Gateway } from '../../src/gateway/build-gateway.js'
import { routeTable } from '../../src/gateway/authentication.js'
import type { Platform } from '../../src/platform.js'
import { createTestPlatform } from '../support/test-platform.js'

let platform: Platform
let app: Gateway
let admin: { authorization: string }

beforeAll(async () => {
  platform = await createTestPlatform({
    SYMPHAINY_BODY_LIMIT_BYTES: '2048',
    SYMPHAINY_JSON_MAX_DEPTH: '8',
    SYMPHAINY_REQUEST_TIMEOUT_MS: '300',
    SYMPHAINY_CORS_ORIGINS: 'https://console.example',
  })
  // A second gateway over the same platform, with routes that exist only to exercise the cross-cutting rules.
  app = await buildGateway(platform)
  app.get('/test/errors/:kind', { config: { security: { public: true } } }, (request) => {
    const { kind } = request.params as { kind: (typeof errorKinds)[number] }
    throw new PlatformError({ code: 'TEST_ERROR', kind, message: `a ${kind} error`, details: { kind } })
  })
  app.get('/test/crash', { config: { security: { public: true } } }, () => {
    throw new TypeError('database password is hunter2')
  })
  app.get('/test/slow', { config: { security: { public: true } } }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 2000))
    return { late: true }
  })
  app.post(
    '/test/echo',
    {
      config: { security: { public: true } },
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), nested: Type.Optional(Type.Unknown()) },
          { additionalProperties: false },
        ),
      },
    },
    (request) => request.body,
  )
  await app.ready()
  const signup = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email: 'ops@example.com', password: 'a long enough passphrase', name: 'Ops' },
  })
  admin = { authorization: `Bearer ${signup.json<{ accessToken: string }>().accessToken}` }
})

afterAll(async () => {
  await app.close()
  await platform.close()
})

function jsonOf(response: { body: string }) {
  return JSON.parse(response.body) as {
    error: { code: string; message: string; details: Record<string, unknown>; requestId: string }
  }
}

describe('gateway error mapping', () => {
  it.each(errorKinds)('answers a %s error with its status and the standard body', async (kind) => {
    const response = await app.inject({ method: 'GET', url: `/test/errors/${kind}` })
    expect(response.statusCode).toBe(statusByKind[kind])
    const body = jsonOf(response)
    expect(body).toEqual({
      error: {
        code: 'TEST_ERROR',
        message: `a ${kind} error`,
        details: { kind },
        requestId: response.headers['x-request-id'],
      },
    })
    expect(response.headers['content-type']).toContain('application/json')
  })

  it('turns an unexpected exception into INTERNAL_ERROR without leaking its message', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/crash' })
    expect(response.statusCode).toBe(500)
    expect(jsonOf(response).error.code).toBe('INTERNAL_ERROR')
    expect(response.body).not.toContain('hunter2')
  })

  it('answers an unknown route with 404 ROUTE_NOT_FOUND in the JSON error body', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/api/v1/nowhere?x=1' })
    expect(response.statusCode).toBe(404)
    expect(jsonOf(response).error).toMatchObject({
      code: 'ROUTE_NOT_FOUND',
      details: { method: 'DELETE', path: '/api/v1/nowhere' },
    })
  })

  it('answers a body over the limit with 413 BODY_TOO_LARGE', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(5000) }),
    })
    expect(response.statusCode).toBe(413)
    expect(jsonOf(response).error).toMatchObject({ code: 'BODY_TOO_LARGE', details: { limitBytes: 2048 } })
  })

  it('answers JSON nested deeper than the limit with 400 JSON_TOO_DEEP, even absurdly deep', async () => {
    for (const payload of [`{"name":"a","nested":${'['.repeat(9)}${']'.repeat(9)}}`, '['.repeat(2000)]) {
      const response = await app.inject({
        method: 'POST',
        url: '/test/echo',
        headers: { 'content-type': 'application/json' },
        payload,
      })
      expect(response.statusCode).toBe(400)
      expect(jsonOf(response).error.code).toBe('JSON_TOO_DEEP')
    }
    const ok = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: `{"name":"a","nested":${'['.repeat(7)}"[[[[[[[[[["${']'.repeat(7)}}`,
    })
    expect(ok.statusCode).toBe(200)
  })

  it.each([
    ['a top-level __proto__', '{"name":"a","__proto__":{"admin":true}}', '__proto__'],
    ['a nested constructor', '{"name":"a","nested":{"constructor":{"prototype":{"x":1}}}}', 'constructor'],
    ['an escaped __proto__ inside an array', '{"name":"a","nested":[{"\\u005f_proto__":{}}]}', '__proto__'],
  ])('rejects %s with 400 FORBIDDEN_JSON_KEY', async (_label, payload, key) => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload,
    })
    expect(response.statusCode).toBe(400)
    expect(jsonOf(response).error).toMatchObject({ code: 'FORBIDDEN_JSON_KEY', details: { key } })
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined()
  })

  it.each([
    ['malformed JSON', '{"name":', 'INVALID_JSON'],
    ['an empty JSON body', '', 'INVALID_JSON'],
  ])('answers %s with 400 %s', async (_label, payload, code) => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload,
    })
    expect(response.statusCode).toBe(400)
    expect(jsonOf(response).error.code).toBe(code)
  })

  it('answers a body that breaks the schema with 400 VALIDATION_FAILED listing each issue', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: '', role: 'admin' },
    })
    expect(response.statusCode).toBe(400)
    const { error } = jsonOf(response)
    expect(error.code).toBe('VALIDATION_FAILED')
    const issues = error.details['issues'] as { path: string; keyword: string }[]
    expect(issues.map((i) => i.keyword).sort()).toEqual(['additionalProperties', 'minLength'])
  })

  it('refuses content types it does not parse with 400 UNSUPPORTED_CONTENT_TYPE', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'hi',
    })
    expect(response.statusCode).toBe(400)
    expect(jsonOf(response).error.code).toBe('UNSUPPORTED_CONTENT_TYPE')
  })

  it('answers a request that runs past the timeout with 503 REQUEST_TIMEOUT', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/slow' })
    expect(response.statusCode).toBe(503)
    expect(jsonOf(response).error).toMatchObject({ code: 'REQUEST_TIMEOUT', details: { timeoutMs: 300 } })
  })
})

describe('gateway headers', () => {
  it('keeps a well-formed client request id and replaces a hostile one', async () => {
    const kept = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'client-123' },
    })
    expect(kept.headers['x-request-id']).toBe('client-123')
    const replaced = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'evil\nid<script>' },
    })
    expect(replaced.headers['x-request-id']).toMatch(/^req_[0-9a-z]{26}\.[0-9a-z]+$/)
    const fresh = await app.inject({ method: 'GET', url: '/health' })
    expect(fresh.headers['x-request-id']).not.toBe(replaced.headers['x-request-id'])
  })

  it('sets security headers on every response, including errors', async () => {
    for (const url of ['/health', '/api/v1/nowhere']) {
      const response = await app.inject({ method: 'GET', url })
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'cache-control': 'no-store',
      })
    }
  })

  it('allows CORS only from configured origins', async () => {
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/api/v1/services',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      })
    const allowed = await preflight('https://console.example')
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example')
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization')
    const refused = await preflight('https://evil.example')
    expect(refused.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('platform routes', () => {
  it('serves liveness, readiness with per-service details, and Prometheus metrics', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' })
    const ready = await app.inject({ method: 'GET', url: '/ready' })
    expect(ready.statusCode).toBe(200)
    const body = ready.json<{
      status: string
      healthPercentage: number
      services: Record<string, { status: string }>
    }>()
    expect(body.status).toBe('ready')
    expect(body.healthPercentage).toBe(100)
    expect(Object.keys(body.services).sort()).toEqual([
      'city-manager',
      'conductor',
      'curator',
      'data-steward',
      'librarian',
      'nurse',
      'post-office',
      'security-guard',
      'traffic-cop',
    ])
    expect(body.services['nurse']).toMatchObject({
      status: 'healthy',
      details: { database: 'up', keyValue: 'up', pubSub: 'up', files: 'up' },
    })

    await app.inject({ method: 'GET', url: '/api/v1/services/ghost', headers: admin })
    const metrics = await app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.headers['content-type']).toContain('text/plain')
    expect(metrics.body).toMatch(
      /symphainy_http_requests_total\{method="GET",route="\/api\/v1\/services\/:name",status="404"\} \d+/,
    )
    expect(metrics.body).toContain('symphainy_http_request_duration_seconds_bucket')
  })

  it('lists registered services and finds them by name and capability', async () => {
    const list = (await app.inject({ method: 'GET', url: '/api/v1/services', headers: admin })).json<{
      items: { name: string; capabilities: string[]; health: { status: string } }[]
    }>()
    expect(list.items.map((s) => s.name).sort()).toEqual([
      'city-manager',
      'conductor',
      'curator',
      'data-steward',
      'librarian',
      'nurse',
      'post-office',
      'security-guard',
      'traffic-cop',
    ])
    expect(list.items.every((s) => s.health.status === 'healthy')).toBe(true)
    const byCapability = (
      await app.inject({ method: 'GET', url: '/api/v1/services?capability=metrics', headers: admin })
    ).json<{ items: { name: string }[] }>()
    expect(byCapability.items.map((s) => s.name)).toEqual(['nurse'])
    const one = await app.inject({ method: 'GET', url: '/api/v1/services/curator', headers: admin })
    expect(one.json()).toMatchObject({
      name: 'curator',
      realm: 'smart-city',
      capabilities: expect.arrayContaining(['service-discovery']),
    })
    const missing = await app.inject({ method: 'GET', url: '/api/v1/services/ghost', headers: admin })
    expect(missing.statusCode).toBe(404)
    expect(jsonOf(missing).error.code).toBe('SERVICE_NOT_FOUND')
  })

  it('reports every managed service state in start order', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/platform/lifecycle', headers: admin })
    expect(response.json()).toMatchObject({
      state: 'running',
      services: [
        { name: 'curator', state: 'running' },
        { name: 'security-guard', state: 'running' },
        { name: 'traffic-cop', state: 'running' },
        { name: 'nurse', state: 'running' },
        { name: 'librarian', state: 'running' },
        { name: 'data-steward', state: 'running' },
        { name: 'post-office', state: 'running' },
        { name: 'conductor', state: 'running' },
      ],
    })
  })

  it('publishes an OpenAPI document generated from the route schemas, and a browsable /docs', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      openapi: string
      paths: Record<string, unknown>
    }>()
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/ready',
        '/metrics',
        '/api/v1/services',
        '/api/v1/services/{name}',
      ]),
    )
    const paths = document.paths as Record<
      string,
      Record<string, { security?: unknown[]; description?: string }>
    >
    expect(paths['/api/v1/users']?.['post']?.security).toEqual([{ bearer: [] }, { apiKey: [] }])
    expect(paths['/api/v1/users']?.['post']?.description).toContain('`user:create`')
    expect(paths['/health']?.['get']?.security).toBeUndefined()
    const docs = await app.inject({ method: 'GET', url: '/docs/' })
    expect(docs.statusCode).toBe(200)
    expect(docs.headers['content-type']).toContain('text/html')
  })
})

describe('readiness threshold', () => {
  it('stays ready while healthy services are at or above the threshold and answers 503 with details below it', async () => {
    const healthy = platform.services.curator.list().length
    const flaky: string[] = []
    try {
      // Add failing services one by one; the exact boundary itself is covered by the Nurse's unit test.
      for (let k = 1; (healthy / (healthy + k)) * 100 >= 80; k++) {
        flaky.push(`flaky-${k}`)
        platform.services.curator.register({
          descriptor: { name: `flaky-${k}`, realm: 'smart-city', version: '1', capabilities: [] },
          healthCheck: () => Promise.reject(new Error('disk full')),
        })
        const ready = await app.inject({ method: 'GET', url: '/ready' })
        expect(ready.statusCode).toBe(200)
      }
      const last = `flaky-${flaky.length + 1}`
      flaky.push(last)
      platform.services.curator.register({
        descriptor: { name: last, realm: 'smart-city', version: '1', capabilities: [] },
        healthCheck: () => Promise.reject(new Error('disk full')),
      })
      const below = await app.inject({ method: 'GET', url: '/ready' })
      expect(below.statusCode).toBe(503)
      expect(below.json()).toMatchObject({
        status: 'not_ready',
        healthPercentage: Math.round((healthy / (healthy + flaky.length)) * 10000) / 100,
        services: { [last]: { status: 'unhealthy', details: { reason: 'disk full' } } },
      })
    } finally {
      for (const name of flaky) platform.services.curator.deregister(name)
    }
  })
})

describe('route security declarations', () => {
  it('refuses to register a route that declares no security', async () => {
    const bare = await buildGateway(platform)
    expect(() => bare.get('/test/undeclared', () => ({}))).toThrow(/declares no config.security/)
    await bare.close()
  })

  it('every registered route declares public, authenticated or a resource:action permission', () => {
    const table = routeTable(platform.gateway)
    expect(table.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(['GET /health', 'POST /api/v1/users', 'DELETE /api/v1/users/:id', 'GET /docs']),
    )
    for (const route of table) {
      const { security } = route
      const valid =
        ('public' in security && security.public) ||
        ('authenticated' in security && security.authenticated) ||
        ('permission' in security && /^[a-z*][a-z0-9-]*:[a-z*][a-z0-9-]*$/.test(security.permission))
      expect(valid, `${route.method} ${route.url}`).toBe(true)
    }
    const open = table.filter(
      (r) => 'public' in r.security && !r.url.startsWith('/docs') && r.method !== 'OPTIONS',
    )
    expect(open.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      [
        'GET /.well-known/jwks.json',
        'GET /health',
        'GET /metrics',
        'GET /openapi.json',
        'GET /ready',
        'GET /ws',
        'HEAD /ws',
        'HEAD /.well-known/jwks.json',
        'HEAD /health',
        'HEAD /metrics',
        'HEAD /openapi.json',
        'HEAD /ready',
        'POST /api/v1/auth/login',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/auth/signup',
      ].sort(),
    )
  })
})
