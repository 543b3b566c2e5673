import { createHash, randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { type Upstream, startUpstream } from './upstreams.js'

interface InstanceBody {
  id: string
  health: string
  circuit: string
  available: boolean
}

describeOnProfiles('load balancing and the gateway proxy', (profile) => {
  let node: Platform
  let admin: Account
  let upstreams: Upstream[]

  beforeAll(async () => {
    node = await profile.startNode({
      PORT: '0',
      SYMPHAINY_PROXY_ALLOW_PRIVATE_NETWORKS: 'true',
      SYMPHAINY_HEALTH_CHECK_INTERVAL_MS: '200',
      SYMPHAINY_PROXY_TIMEOUT_MS: '1000',
    })
    admin = await signUp(node.gateway)
    upstreams = await Promise.all([0, 1, 2].map(startUpstream))
  })
  afterAll(async () => {
    await Promise.all(upstreams.map((u) => u.stop()))
  })

  const register = async (name: string, url: string, extra: Record<string, unknown> = {}) => {
    const response = await node.gateway.inject({
      method: 'POST',
      url: `/api/v1/services/${name}/instances`,
      headers: admin.auth,
      payload: { url, ...extra },
    })
    expect(response.statusCode, response.body).toBe(201)
    return response.json<InstanceBody>()
  }
  const setStrategy = async (name: string, strategy: string) => {
    const response = await node.gateway.inject({
      method: 'PUT',
      url: `/api/v1/services/${name}/load-balancing`,
      headers: admin.auth,
      payload: { strategy },
    })
    expect(response.statusCode, response.body).toBe(200)
  }
  const proxy = (name: string, path: string, headers: Record<string, string> = {}) =>
    node.gateway.inject({
      method: 'GET',
      url: `/api/v1/services/${name}/proxy/${path}`,
      headers: { ...admin.auth, ...headers },
    })
  const counts = (tag: string) => upstreams.map((u) => u.count(tag))
  const instancesOf = async (name: string) => {
    const response = await node.gateway.inject({
      method: 'GET',
      url: `/api/v1/services/${name}`,
      headers: admin.auth,
    })
    expect(response.statusCode, response.body).toBe(200)
    return response.json<{ realm: string; strategy: string; instances: InstanceBody[] }>()
  }
  const until = async (condition: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i += 1) {
      if (await condition()) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error('condition not reached in 10 s')
  }

  it('round-robin spreads 30 requests exactly evenly', async () => {
    for (const u of upstreams) await register('rr', u.url)
    for (let i = 0; i < 30; i += 1) expect((await proxy('rr', 'rr/hello')).statusCode).toBe(200)
    expect(counts('rr')).toEqual([10, 10, 10])
    const view = await instancesOf('rr')
    expect(view.realm).toBe('external')
    expect(view.instances.map((i) => [i.health, i.circuit])).toEqual([
      ['healthy', 'closed'],
      ['healthy', 'closed'],
      ['healthy', 'closed'],
    ])
  })

  it('weighted 3:1:1 gives exact proportions over whole cycles', async () => {
    await register('wt', upstreams[0]!.url, { weight: 3 })
    await register('wt', upstreams[1]!.url, { weight: 1 })
    await register('wt', upstreams[2]!.url, { weight: 1 })
    await setStrategy('wt', 'weighted')
    for (let i = 0; i < 25; i += 1) expect((await proxy('wt', 'wt/x')).statusCode).toBe(200)
    expect(counts('wt')).toEqual([15, 5, 5])
  })

  it('least-connections and latency spread idle sequential traffic and answer', async () => {
    for (const u of upstreams) await register('lc', u.url)
    await setStrategy('lc', 'least-connections')
    for (let i = 0; i < 30; i += 1) expect((await proxy('lc', 'lc/x')).statusCode).toBe(200)
    expect(counts('lc')).toEqual([10, 10, 10])
    await setStrategy('lc', 'latency')
    for (let i = 0; i < 10; i += 1) expect((await proxy('lc', 'lat/x')).statusCode).toBe(200)
    expect(counts('lat').reduce((a, b) => a + b)).toBe(10)
  })

  it('consistent-hash keeps each session on one upstream; removing one moves only its keys', async () => {
    const ids = []
    for (const u of upstreams) ids.push((await register('ch', u.url)).id)
    await setStrategy('ch', 'consistent-hash')
    const owner = async (key: string) =>
      (await proxy('ch', 'ch/x', { 'x-session-id': key })).headers['x-upstream'] as string
    const keys = Array.from({ length: 30 }, (_, i) => `session-${i}`)
    const before = new Map<string, string>()
    for (const key of keys) before.set(key, await owner(key))
    for (const key of keys) expect(await owner(key)).toBe(before.get(key))
    expect(new Set(before.values()).size).toBe(3)
    const removed = await node.gateway.inject({
      method: 'DELETE',
      url: `/api/v1/services/ch/instances/${ids[1]}`,
      headers: admin.auth,
    })
    expect(removed.statusCode).toBe(204)
    for (const key of keys) {
      const after = await owner(key)
      if (before.get(key) === '1') expect(after).not.toBe('1')
      else expect(after).toBe(before.get(key))
    }
  })

  it('a killed upstream is ejected (its requests retried elsewhere) and readmitted once it is back on the same port', async () => {
    const victim = upstreams[2]!
    // A probe path only these upstreams answer with 2xx: while the victim is down, another test's server may get
    // its port, and a probe of `/` could then be answered by that server.
    for (const u of upstreams) await register('kill', u.url, { healthUrl: `${u.url}probe/health` })
    await victim.stop()
    try {
      // Body-less requests whose connection fails go to another instance: nobody sees the dead one.
      for (let i = 0; i < 30; i += 1) expect((await proxy('kill', 'kill/x')).statusCode).toBe(200)
      expect(upstreams[0]!.count('kill') + upstreams[1]!.count('kill')).toBe(30)
      // Out of rotation: ejected by the failed attempts, or marked unhealthy by an active check that came first.
      const down = (await instancesOf('kill')).instances[2]!
      expect(down).toMatchObject({ available: false })
      expect(['ejected', 'unhealthy']).toContain(down.health)
    } finally {
      await victim.restart()
    }
    await until(async () => (await instancesOf('kill')).instances[2]!.available)
    const before = victim.count('kill')
    for (let i = 0; i < 30; i += 1) expect((await proxy('kill', 'kill/x')).statusCode).toBe(200)
    expect(victim.count('kill') - before).toBe(10)
  })

  it('retries a failed connection on another instance only when the request has no body', async () => {
    const dead = upstreams[1]!
    await register('retry', upstreams[0]!.url)
    await register('retry', dead.url)
    await dead.stop()
    try {
      const post = () =>
        node.gateway.inject({
          method: 'POST',
          url: '/api/v1/services/retry/proxy/retry/echo',
          headers: { ...admin.auth, 'content-type': 'application/octet-stream' },
          payload: Buffer.from('once only'),
        })
      // Round-robin over the two: one of two POSTs meets the dead instance and is answered 503, not retried.
      const posts = [await post(), await post()]
      expect(posts.map((r) => r.statusCode).sort()).toEqual([200, 503])
      expect(errorCode(posts.find((r) => r.statusCode === 503)!)).toBe('UPSTREAM_UNREACHABLE')
      for (let i = 0; i < 4; i += 1) expect((await proxy('retry', 'retry/x')).statusCode).toBe(200)
      expect(upstreams[0]!.count('retry')).toBe(5)
    } finally {
      await dead.restart()
    }
    // With every instance down, a retried request still answers what the first attempt met.
    await register('retry-none', 'http://127.0.0.1:9/')
    const nowhere = await proxy('retry-none', 'x')
    expect([nowhere.statusCode, errorCode(nowhere)]).toEqual([503, 'UPSTREAM_UNREACHABLE'])
  })

  it('sends nothing to an instance whose circuit is open', async () => {
    for (const u of upstreams) await register('cb', u.url)
    const flaky = (i: number) => (i === 2 ? 'flaky' : 'ok')
    for (let round = 0; round < 5; round += 1)
      for (let i = 0; i < 3; i += 1) await proxy('cb', `cb/${flaky(i)}`)
    expect(counts('cb')).toEqual([5, 5, 5])
    const state = (await instancesOf('cb')).instances[2]!
    expect(state).toMatchObject({ circuit: 'open', available: false })
    for (let i = 0; i < 30; i += 1) expect((await proxy('cb', 'cb/ok')).statusCode).toBe(200)
    expect(counts('cb')).toEqual([20, 20, 5])
  })

  it('streams a 5 MB body both ways unchanged', async () => {
    await register('stream', upstreams[0]!.url)
    const address = await node.listen()
    const body = randomBytes(5 * 1024 * 1024)
    const sent = createHash('sha256').update(body).digest('hex')
    const { status, sha256, bytes } = await new Promise<{ status: number; sha256: string; bytes: number }>(
      (resolve, reject) => {
        const req = httpRequest(`${address}/api/v1/services/stream/proxy/stream/echo`, {
          method: 'POST',
          headers: { ...admin.auth, 'content-type': 'application/octet-stream' },
        })
        req.on('response', (res) => {
          const hash = createHash('sha256')
          let length = 0
          res.on('data', (chunk: Buffer) => {
            hash.update(chunk)
            length += chunk.length
          })
          res.on('end', () => resolve({ status: res.statusCode!, sha256: hash.digest('hex'), bytes: length }))
        })
        req.on('error', reject)
        for (let offset = 0; offset < body.length; offset += 64 * 1024)
          req.write(body.subarray(offset, offset + 64 * 1024))
        req.end()
      },
    )
    expect(status).toBe(200)
    expect(bytes).toBe(body.length)
    expect(sha256).toBe(sent)
    expect(upstreams[0]!.received('stream')).toEqual({ sha256: sent, bytes: body.length })
  })

  it('strips credentials and hop-by-hop headers and adds forwarding headers', async () => {
    await register('hdr', upstreams[0]!.url)
    const response = await proxy('hdr', 'hdr/headers?x=1', {
      cookie: 'sid=secret',
      'x-forwarded-for': '6.6.6.6',
      'keep-alive': 'timeout=5',
      'x-custom': 'kept',
    })
    expect(response.statusCode).toBe(200)
    const seen = response.json<Record<string, string>>()
    expect(seen['authorization']).toBeUndefined()
    expect(seen['cookie']).toBeUndefined()
    expect(seen['keep-alive']).toBeUndefined()
    expect(seen['x-custom']).toBe('kept')
    expect(seen['x-forwarded-for']).toBe('127.0.0.1')
    expect(seen['x-request-id']).toBe(response.headers['x-request-id'])
    expect(response.headers['x-hop']).toBeUndefined()
  })

  it('a slow upstream times out with a stable code; no instance and unknown service have their own', async () => {
    const slow = await register('slow', upstreams[1]!.url)
    const timedOut = await proxy('slow', 'slow/slow')
    expect(timedOut.statusCode).toBe(503)
    expect(errorCode(timedOut)).toBe('UPSTREAM_TIMEOUT')
    await node.gateway.inject({
      method: 'DELETE',
      url: `/api/v1/services/slow/instances/${slow.id}`,
      headers: admin.auth,
    })
    const none = await proxy('slow', 'slow/x')
    expect([none.statusCode, errorCode(none)]).toEqual([503, 'NO_INSTANCE_AVAILABLE'])
    const unknown = await proxy('nothing-here', 'x')
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([404, 'EXTERNAL_SERVICE_NOT_FOUND'])
  })

  it('heartbeats renew, members may proxy but not administer, platform names are reserved', async () => {
    const instance = await register('perm', upstreams[0]!.url)
    const beat = await node.gateway.inject({
      method: 'POST',
      url: `/api/v1/services/perm/instances/${instance.id}/heartbeat`,
      headers: admin.auth,
    })
    expect(beat.statusCode).toBe(200)
    const member = await addUser(node.gateway, admin, ['member'])
    const proxied = await node.gateway.inject({
      method: 'GET',
      url: '/api/v1/services/perm/proxy/perm/x',
      headers: member.auth,
    })
    expect(proxied.statusCode).toBe(200)
    const denied = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/services/perm/instances',
      headers: member.auth,
      payload: { url: upstreams[0]!.url },
    })
    expect(denied.statusCode).toBe(403)
    const reserved = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/services/curator/instances',
      headers: admin.auth,
      payload: { url: upstreams[0]!.url },
    })
    expect(errorCode(reserved)).toBe('SERVICE_NAME_RESERVED')
  })

  it("another tenant cannot see, change or reach a tenant's service", async () => {
    const instance = await register('private-svc', upstreams[0]!.url)
    const other = await signUp(node.gateway)
    const calls = [
      { method: 'GET', url: '/api/v1/services/private-svc' },
      { method: 'DELETE', url: `/api/v1/services/private-svc/instances/${instance.id}` },
      { method: 'POST', url: `/api/v1/services/private-svc/instances/${instance.id}/heartbeat` },
      { method: 'PUT', url: '/api/v1/services/private-svc/load-balancing', payload: { strategy: 'latency' } },
      { method: 'GET', url: '/api/v1/services/private-svc/proxy/private-svc/x' },
      { method: 'POST', url: '/api/v1/services/private-svc/proxy/private-svc/x', payload: { a: 1 } },
    ] as const
    for (const call of calls) {
      const response = await node.gateway.inject({ ...call, headers: other.auth })
      expect(response.statusCode, `${call.method} ${call.url}`).toBe(404)
    }
    const list = await node.gateway.inject({ method: 'GET', url: '/api/v1/services', headers: other.auth })
    expect(list.body).not.toContain('private-svc')
    expect(upstreams[0]!.count('private-svc')).toBe(0)
    expect((await instancesOf('private-svc')).instances).toHaveLength(1)
  })
})

describeOnProfiles('load balancing SSRF guard', (profile) => {
  let node: Platform
  let admin: Account

  beforeAll(async () => {
    node = await profile.startNode()
    admin = await signUp(node.gateway)
  })

  it.each([
    ['http://127.0.0.1:8080/', 'UPSTREAM_ADDRESS_FORBIDDEN'],
    ['http://localhost:8080/', 'UPSTREAM_ADDRESS_FORBIDDEN'],
    ['http://169.254.169.254/latest/meta-data/', 'UPSTREAM_ADDRESS_FORBIDDEN'],
    ['http://10.1.2.3/', 'UPSTREAM_ADDRESS_FORBIDDEN'],
    ['http://[::1]:8080/', 'UPSTREAM_ADDRESS_FORBIDDEN'],
    ['http://[::ffff:127.0.0.1]/', 'UPSTREAM_ADDRESS_FORBIDDEN'],
    ['http://user:pw@93.184.215.14/', 'UPSTREAM_URL_INVALID'],
    ['ftp://93.184.215.14/', 'VALIDATION_FAILED'],
  ])('refuses %s', async (url, code) => {
    const response = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/services/ssrf/instances',
      headers: admin.auth,
      payload: { url },
    })
    expect(response.statusCode).toBe(400)
    if (code !== 'VALIDATION_FAILED') expect(errorCode(response)).toBe(code)
  })

  it('refuses a private health URL too, and accepts a public address', async () => {
    const bad = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/services/ssrf/instances',
      headers: admin.auth,
      payload: { url: 'http://93.184.215.14/', healthUrl: 'http://192.168.1.1/health' },
    })
    expect(errorCode(bad)).toBe('UPSTREAM_ADDRESS_FORBIDDEN')
    const good = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/services/ssrf/instances',
      headers: admin.auth,
      payload: { url: 'http://93.184.215.14/' },
    })
    expect(good.statusCode).toBe(201)
  })
})
