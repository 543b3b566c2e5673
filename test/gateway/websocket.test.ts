import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Platform } from '../../src/platform.js'
import { type Account, signUp } from '../support/fixtures.js'
import { createTestPlatform } from '../support/test-platform.js'

let platform: Platform
let base: string
let admin: Account
let apiKey: string

beforeAll(async () => {
  platform = await createTestPlatform({
    PORT: '0',
    SYMPHAINY_WS_AUTH_TIMEOUT_MS: '300',
    SYMPHAINY_WS_MAX_FRAME_BYTES: '2048',
    SYMPHAINY_CORS_ORIGINS: 'https://console.example',
  })
  base = (await platform.listen()).replace('http', 'ws')
  admin = await signUp(platform.gateway)
  const key = await platform.gateway.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: admin.auth,
    payload: { name: 'ws' },
  })
  apiKey = key.json<{ key: string }>().key
})

afterAll(() => platform.close())

interface Outcome {
  frames: Record<string, unknown>[]
  closeCode?: number
  rejectedStatus?: number
}

/** Opens a socket, runs `script` once open, and resolves when the socket closes or `settleMs` passes. */
function session(
  options: { protocols?: string[]; origin?: string },
  script: (socket: WebSocket, frames: Record<string, unknown>[]) => void | Promise<void>,
  settleMs = 400,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${base}/ws`, options.protocols ?? [], {
      ...(options.origin && { headers: { origin: options.origin } }),
    })
    const outcome: Outcome = { frames: [] }
    const finish = () => resolve(outcome)
    socket.on('unexpected-response', (_request, response) => {
      outcome.rejectedStatus = response.statusCode
      finish()
    })
    socket.on('message', (data) =>
      outcome.frames.push(JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>),
    )
    socket.on('close', (code) => {
      outcome.closeCode = code
      finish()
    })
    socket.on('error', () => undefined)
    socket.on('open', () => {
      void Promise.resolve(script(socket, outcome.frames)).then(() =>
        setTimeout(() => {
          socket.close()
        }, settleMs),
      )
    })
  })
}

describe('WebSocket authentication', () => {
  it('accepts an access token in the subprotocol pair and answers ready, then pong', async () => {
    const outcome = await session({ protocols: ['symphainy', `bearer.${admin.accessToken}`] }, (socket) => {
      socket.send(JSON.stringify({ op: 'ping' }))
    })
    expect(outcome.frames.map((f) => f['type'])).toEqual(['ready', 'pong'])
  })

  it('refuses a bad subprotocol token at the upgrade with 401 and no socket', async () => {
    const outcome = await session({ protocols: ['symphainy', 'bearer.not-a-token'] }, () => undefined)
    expect(outcome.rejectedStatus).toBe(401)
    expect(outcome.frames).toEqual([])
  })

  it.each([
    ['an access token', () => admin.accessToken],
    ['an API key', () => apiKey],
  ])('authenticates with %s in the first frame', async (_label, token) => {
    const outcome = await session({}, (socket) => {
      socket.send(JSON.stringify({ op: 'auth', token: token() }))
      setTimeout(() => socket.send(JSON.stringify({ op: 'ping' })), 100)
    })
    expect(outcome.frames.map((f) => f['type'])).toEqual(['ready', 'pong'])
  })

  it('closes with 4401 when the first-frame token is wrong', async () => {
    const outcome = await session({}, (socket) =>
      socket.send(JSON.stringify({ op: 'auth', token: 'garbage' })),
    )
    expect(outcome.closeCode).toBe(4401)
    expect(outcome.frames[0]).toMatchObject({ type: 'error', data: { code: 'INVALID_TOKEN' } })
  })

  it('closes with 4401 when nothing authenticates in time, and refuses other ops before auth', async () => {
    const idle = await session({}, () => undefined, 1000)
    expect(idle.closeCode).toBe(4401)
    const early = await session({}, (socket) => socket.send(JSON.stringify({ op: 'ping' })))
    expect(early.closeCode).toBe(4401)
    expect(early.frames).toEqual([])
  })

  it('checks the Origin: another site is refused with 403, an allowed origin and the own host pass', async () => {
    const protocols = ['symphainy', `bearer.${admin.accessToken}`]
    expect(
      (await session({ protocols, origin: 'https://evil.example' }, () => undefined)).rejectedStatus,
    ).toBe(403)
    const allowed = await session({ protocols, origin: 'https://console.example' }, () => undefined)
    expect(allowed.frames.map((f) => f['type'])).toEqual(['ready'])
    const own = await session({ protocols, origin: base.replace('ws', 'http') }, () => undefined)
    expect(own.frames.map((f) => f['type'])).toEqual(['ready'])
  })

  it('answers malformed and unknown frames with error frames, and closes on an oversized frame with 1009', async () => {
    const protocols = ['symphainy', `bearer.${admin.accessToken}`]
    const outcome = await session({ protocols }, (socket) => {
      socket.send('not json')
      socket.send(JSON.stringify({ op: 'teleport' }))
      socket.send(JSON.stringify({ op: 'auth', token: admin.accessToken }))
    })
    expect(
      outcome.frames.map((f) => (f['data'] as { code?: string } | undefined)?.code ?? f['type']),
    ).toEqual(['ready', 'INVALID_FRAME', 'UNSUPPORTED_OP', 'ALREADY_AUTHENTICATED'])
    const big = await session({ protocols }, (socket) => socket.send('x'.repeat(5000)))
    expect(big.closeCode).toBe(1009)
  })

  it('never needs the token in the URL, and a revoked token cannot open a socket', async () => {
    await platform.gateway.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: admin.auth })
    const outcome = await session(
      { protocols: ['symphainy', `bearer.${admin.accessToken}`] },
      () => undefined,
    )
    expect(outcome.rejectedStatus).toBe(401)
  })
})
