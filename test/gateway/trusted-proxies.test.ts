import { afterEach, describe, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { createTestPlatform } from '../support/test-platform.js'

// Real HTTP on loopback: the peer of every request is 127.0.0.1, which SYMPHAINY_TRUST_PROXY may or may not name.
const onePerIp = JSON.stringify([
  { name: 'per-ip', scope: 'ip', limit: 1, windowSeconds: 60, routes: ['GET /health'] },
])

let platform: Platform | undefined

afterEach(async () => {
  await platform?.close()
  platform = undefined
})

async function start(trustProxy: string): Promise<(headers: Record<string, string>) => Promise<Response>> {
  platform = await createTestPlatform({
    SYMPHAINY_TRUST_PROXY: trustProxy,
    SYMPHAINY_RATE_LIMIT_POLICIES: onePerIp,
  })
  const base = await platform.listen()
  return (headers) => fetch(`${base}/health`, { headers })
}

describe('trusted proxies', () => {
  it('by default believes no forwarded header: one client IP, and no HSTS over plain HTTP', async () => {
    const get = await start('')
    const first = await get({ 'x-forwarded-for': '203.0.113.1', 'x-forwarded-proto': 'https' })
    expect(first.status).toBe(200)
    expect(first.headers.get('strict-transport-security')).toBeNull()
    expect(first.headers.get('x-content-type-options')).toBe('nosniff')
    // Another claimed address is the same socket peer, so the per-IP limit of one is spent.
    expect((await get({ 'x-forwarded-for': '203.0.113.2' })).status).toBe(429)
  })

  it('believes a named proxy: each forwarded client has its own limit, and HTTPS gets HSTS', async () => {
    const get = await start('loopback')
    const secure = await get({ 'x-forwarded-for': '203.0.113.1', 'x-forwarded-proto': 'https' })
    expect(secure.status).toBe(200)
    expect(secure.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains')
    const plain = await get({ 'x-forwarded-for': '203.0.113.2', 'x-forwarded-proto': 'http' })
    expect(plain.status).toBe(200)
    expect(plain.headers.get('strict-transport-security')).toBeNull()
    expect((await get({ 'x-forwarded-for': '203.0.113.1' })).status).toBe(429)
  })

  it('ignores forwarded headers from a peer outside the trusted ranges', async () => {
    const get = await start('10.0.0.0/8,192.168.1.7')
    const first = await get({ 'x-forwarded-for': '203.0.113.1', 'x-forwarded-proto': 'https' })
    expect(first.status).toBe(200)
    expect(first.headers.get('strict-transport-security')).toBeNull()
    expect((await get({ 'x-forwarded-for': '203.0.113.2' })).status).toBe(429)
  })

  it('takes the nearest address that is not a trusted proxy as the client', async () => {
    const get = await start('loopback,10.0.0.0/8')
    // A client's own claim comes first; a second trusted proxy (10.1.2.3) appended the address it saw.
    expect((await get({ 'x-forwarded-for': '198.51.100.9, 203.0.113.1, 10.1.2.3' })).status).toBe(200)
    expect((await get({ 'x-forwarded-for': '198.51.100.10, 203.0.113.1, 10.1.2.3' })).status).toBe(429)
    expect((await get({ 'x-forwarded-for': '203.0.113.2, 10.1.2.3' })).status).toBe(200)
  })
})
