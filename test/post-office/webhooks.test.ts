import { createHmac } from 'node:crypto'
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ManualClock, createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { sendWebhook } from '../../src/smart-city/post-office/webhook.js'
import { type Account, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { postOfficeClient } from './support.js'

interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/** A loopback HTTP server that records requests and connections and answers from a per-path script. */
async function startReceiver() {
  const received: Received[] = []
  const scripts = new Map<string, { status: number; headers?: Record<string, string> }[]>()
  let connections = 0
  const server: Server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    request.on('end', () => {
      const path = request.url ?? ''
      received.push({ path, headers: request.headers, body })
      const next = scripts.get(path)?.shift() ?? { status: 200 }
      response.writeHead(next.status, next.headers).end('ok')
    })
  })
  server.on('connection', () => (connections += 1))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    received,
    script: (path: string, answers: { status: number; headers?: Record<string, string> }[]) =>
      scripts.set(path, answers),
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>

describeOnProfiles('Post Office webhooks', (profile) => {
  let node: Platform
  let clock: ManualClock
  let admin: Account
  let receiver: Receiver
  let forbidden: Receiver
  const po = postOfficeClient(() => node)
  const dispatch = () => node.services.postOffice.dispatcher.runOnce()
  const secret = 'a-webhook-secret-of-some-length'

  async function webhook(pattern: string, path: string) {
    const response = await po.call(admin, 'POST', '/api/v1/subscriptions', {
      pattern,
      target: { kind: 'webhook', url: `http://127.0.0.1:${receiver.port}${path}`, secret },
    })
    expect(response.statusCode).toBe(201)
    return response.json<{ id: string }>().id
  }

  async function publish(type: string, payload: unknown) {
    const response = await po.call(admin, 'POST', '/api/v1/events', { type, payload })
    return response.json<{ id: string }>().id
  }

  async function deliveries(subscriptionId: string) {
    const response = await po.call(admin, 'GET', `/api/v1/subscriptions/${subscriptionId}/deliveries`)
    return response.json<{
      items: { status: string; attempts: number; nextAttemptAt: string | null; lastError: string | null }[]
    }>().items
  }

  beforeAll(async () => {
    receiver = await startReceiver()
    forbidden = await startReceiver()
    clock = createManualClock(Date.now())
    node = await profile.startNode(
      {
        SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400',
        SYMPHAINY_WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`,
        SYMPHAINY_EVENT_RETRY_BASE_MS: '1000',
        SYMPHAINY_EVENT_RETRY_MAX_MS: '60000',
      },
      { clock },
    )
    admin = await signUp(node.gateway)
  })
  afterAll(async () => {
    await receiver.close()
    await forbidden.close()
  })

  it('POSTs the event as JSON, signed with HMAC-SHA256 over "<timestamp>.<body>"', async () => {
    const subscriptionId = await webhook('invoice.*', '/signed')
    const eventId = await publish('invoice.paid', { amount: 42 })
    await dispatch()
    const [request, ...more] = receiver.received.filter((r) => r.path === '/signed')
    expect(more).toEqual([])
    const timestamp = request!.headers['x-symphainy-timestamp'] as string
    expect(Number(timestamp)).toBe(Math.floor(clock.now() / 1000))
    const expected = createHmac('sha256', secret).update(`${timestamp}.${request!.body}`).digest('hex')
    expect(request!.headers['x-symphainy-signature']).toBe(`sha256=${expected}`)
    expect(request!.headers['content-type']).toBe('application/json')
    expect(request!.headers['x-symphainy-event-id']).toBe(eventId)
    expect(JSON.parse(request!.body)).toMatchObject({
      id: eventId,
      type: 'invoice.paid',
      payload: { amount: 42 },
    })
    expect(await deliveries(subscriptionId)).toMatchObject([{ status: 'delivered', attempts: 1 }])
  })

  it('generates a secret when none is given and shows it only once', async () => {
    const created = await po.call(admin, 'POST', '/api/v1/subscriptions', {
      pattern: 'x.*',
      target: { kind: 'webhook', url: `http://127.0.0.1:${receiver.port}/generated` },
    })
    const { id, secret: generated } = created.json<{ id: string; secret: string }>()
    expect(generated.length).toBeGreaterThanOrEqual(32)
    const read = await po.call(admin, 'GET', `/api/v1/subscriptions/${id}`)
    expect(read.body).not.toContain(generated)
  })

  it('retries a failing receiver with exponential backoff, then delivers', async () => {
    receiver.script('/flaky', [{ status: 500 }, { status: 503 }])
    const subscriptionId = await webhook('flaky.*', '/flaky')
    await publish('flaky.event', { n: 1 })
    const hits = () => receiver.received.filter((r) => r.path === '/flaky').length

    await dispatch()
    expect(hits()).toBe(1)
    let [delivery] = await deliveries(subscriptionId)
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastError: 'answered 500' })
    let delay = Date.parse(delivery!.nextAttemptAt!) - clock.now()
    expect(delay).toBeGreaterThanOrEqual(500)
    expect(delay).toBeLessThanOrEqual(1000)

    await dispatch()
    expect(hits()).toBe(1)
    clock.advance(1000)
    await dispatch()
    expect(hits()).toBe(2)
    ;[delivery] = await deliveries(subscriptionId)
    expect(delivery).toMatchObject({ status: 'pending', attempts: 2, lastError: 'answered 503' })
    delay = Date.parse(delivery!.nextAttemptAt!) - clock.now()
    expect(delay).toBeGreaterThanOrEqual(1000)
    expect(delay).toBeLessThanOrEqual(2000)

    clock.advance(2000)
    await dispatch()
    expect(hits()).toBe(3)
    expect(await deliveries(subscriptionId)).toMatchObject([{ status: 'delivered', attempts: 3 }])
  })

  it('does not follow a redirect: a 3xx is a failed attempt and its Location is never contacted', async () => {
    receiver.script('/moved', [{ status: 302, headers: { location: `http://127.0.0.1:${forbidden.port}/` } }])
    const subscriptionId = await webhook('moved.*', '/moved')
    await publish('moved.event', {})
    await dispatch()
    const [delivery] = await deliveries(subscriptionId)
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1 })
    expect(delivery!.lastError).toContain('redirects are not followed')
    expect(forbidden.connections()).toBe(0)
  })

  it('refuses webhook URLs of non-public addresses or bad form, and connects to none of them', async () => {
    const port = forbidden.port
    const refused: [string, string][] = [
      [`http://127.0.0.1:${port}/`, 'WEBHOOK_ADDRESS_FORBIDDEN'],
      [`http://localhost:${port}/`, 'WEBHOOK_ADDRESS_FORBIDDEN'],
      [`http://[::1]:${port}/`, 'WEBHOOK_ADDRESS_FORBIDDEN'],
      [`http://[::ffff:127.0.0.1]:${port}/`, 'WEBHOOK_ADDRESS_FORBIDDEN'],
      [`http://2130706433:${port}/`, 'WEBHOOK_ADDRESS_FORBIDDEN'],
      [`http://0177.0.0.1:${port}/`, 'WEBHOOK_ADDRESS_FORBIDDEN'],
      [`http://0.0.0.0:${port}/`, 'WEBHOOK_ADDRESS_FORBIDDEN'],
      ['http://169.254.169.254/latest/meta-data/', 'WEBHOOK_ADDRESS_FORBIDDEN'],
      ['http://10.1.2.3/', 'WEBHOOK_ADDRESS_FORBIDDEN'],
      ['http://172.16.0.1/', 'WEBHOOK_ADDRESS_FORBIDDEN'],
      ['http://192.168.1.1/', 'WEBHOOK_ADDRESS_FORBIDDEN'],
      ['http://100.64.0.1/', 'WEBHOOK_ADDRESS_FORBIDDEN'],
      ['http://[fd00::1]/', 'WEBHOOK_ADDRESS_FORBIDDEN'],
      ['http://[fe80::1]/', 'WEBHOOK_ADDRESS_FORBIDDEN'],
      ['http://224.0.0.1/', 'WEBHOOK_ADDRESS_FORBIDDEN'],
      [`http://user:pass@127.0.0.1:${port}/`, 'WEBHOOK_URL_INVALID'],
      ['file:///etc/passwd', 'WEBHOOK_URL_INVALID'],
      ['gopher://127.0.0.1:70/', 'WEBHOOK_URL_INVALID'],
      ['not a url', 'WEBHOOK_URL_INVALID'],
    ]
    for (const [url, code] of refused) {
      const response = await po.call(admin, 'POST', '/api/v1/subscriptions', {
        pattern: 'ssrf.*',
        target: { kind: 'webhook', url },
      })
      expect([response.statusCode, errorCode(response)], url).toEqual([400, code])
    }
    expect(forbidden.connections()).toBe(0)
  })

  it('checks the resolved address again at delivery and connects only to it (no DNS rebinding)', async () => {
    const rebinding = (host: string) =>
      Promise.resolve(host === 'rebind.example' ? [{ address: '127.0.0.1', family: 4 }] : [])
    await expect(
      sendWebhook(
        {
          url: `http://rebind.example:${forbidden.port}/`,
          secret,
          body: '{}',
          headers: {},
          timestampSeconds: 1,
        },
        { allowHosts: [], resolve: rebinding, timeoutMs: 5000 },
      ),
    ).rejects.toMatchObject({ code: 'WEBHOOK_ADDRESS_FORBIDDEN' })
    const mixed = () =>
      Promise.resolve([
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ])
    await expect(
      sendWebhook(
        { url: 'http://mixed.example/', secret, body: '{}', headers: {}, timestampSeconds: 1 },
        { allowHosts: [], resolve: mixed, timeoutMs: 5000 },
      ),
    ).rejects.toMatchObject({ code: 'WEBHOOK_ADDRESS_FORBIDDEN' })
    expect(forbidden.connections()).toBe(0)

    // An allow-listed name is still pinned to the address it resolved to, with its own Host header.
    const pinned = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }])
    await sendWebhook(
      {
        url: `http://pinned.example:${receiver.port}/pinned`,
        secret,
        body: '{}',
        headers: {},
        timestampSeconds: 1,
      },
      { allowHosts: [`pinned.example:${receiver.port}`], resolve: pinned, timeoutMs: 5000 },
    )
    const [request] = receiver.received.filter((r) => r.path === '/pinned')
    expect(request!.headers.host).toBe(`pinned.example:${receiver.port}`)
  })
})
