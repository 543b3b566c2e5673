import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshPostgresSchema, realPostgresUrl, realRedisUrl, uniqueName } from '../support/real-servers.js'
import { type ServerProcess, startServerProcess } from '../support/server-process.js'
import { openSocket } from '../support/ws-client.js'

/**
 * Two server processes on loopback, started as `npm start` starts one, sharing one PostgreSQL schema, one Redis
 * prefix and one file folder: what a user runs behind a load balancer.
 */
describe.skipIf(!realPostgresUrl || !realRedisUrl)(
  'two server processes sharing PostgreSQL and Redis',
  () => {
    const schema = realPostgresUrl ? freshPostgresSchema(realPostgresUrl) : undefined
    let nodes: ServerProcess[] = []
    let token: string

    beforeAll(async () => {
      const env = {
        SYMPHAINY_DATABASE_URL: schema!.url,
        SYMPHAINY_REDIS_URL: realRedisUrl!,
        SYMPHAINY_REDIS_PREFIX: `${uniqueName('cluster')}:`,
        SYMPHAINY_FILES_URL: `file:${mkdtempSync(join(tmpdir(), 'symphainy-cluster-'))}`,
        SYMPHAINY_SCRYPT_LOG_N: '12',
        SYMPHAINY_RATE_LIMIT_POLICIES: JSON.stringify([
          {
            name: 'cluster-check',
            scope: 'user',
            limit: 100,
            windowSeconds: 3600,
            routes: ['GET /api/v1/auth/me'],
          },
        ]),
      }
      nodes = await Promise.all([startServerProcess(env), startServerProcess(env)])
      const signup = await fetch(`${nodes[0]!.baseUrl}/api/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: 'cluster@example.com',
          password: 'correct horse battery staple',
          name: 'Cluster',
        }),
      })
      token = ((await signup.json()) as { accessToken: string }).accessToken
    })

    afterAll(async () => {
      for (const node of nodes) node.child.kill('SIGTERM')
      await Promise.all(nodes.map((n) => n.exited))
      await schema?.drop()
    })

    const api = (node: ServerProcess, path: string, init: RequestInit = {}) =>
      fetch(`${node.baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      })

    it('a state change made on node A reaches a WebSocket subscribed on node B, in order', async () => {
      const [a, b] = nodes as [ServerProcess, ServerProcess]
      const session = (await (
        await api(a, '/api/v1/sessions', { method: 'POST', body: JSON.stringify({ sessionType: 'cluster' }) })
      ).json()) as {
        id: string
      }
      const socket = await openSocket(b.baseUrl, token)
      try {
        socket.send({ op: 'subscribe', channel: `session:${session.id}` })
        await socket.waitFor((f) => f['type'] === 'state')
        for (let i = 1; i <= 5; i++) {
          const put = await api(a, `/api/v1/sessions/${session.id}/state`, {
            method: 'PUT',
            body: JSON.stringify({ data: { i } }),
          })
          expect(put.status).toBe(200)
        }
        await socket.waitFor((f) => f['version'] === 5)
        const versions = socket.frames.filter((f) => f['type'] === 'state').map((f) => f['version'])
        expect(versions).toEqual([0, 1, 2, 3, 4, 5])
      } finally {
        socket.socket.close()
      }
    })

    it('500 concurrent requests split over both nodes against a limit of 100 admit exactly 100', async () => {
      const responses = await Promise.all(
        Array.from({ length: 500 }, (_, i) => api(nodes[i % 2]!, '/api/v1/auth/me').then((r) => r.status)),
      )
      expect(responses.filter((s) => s === 200)).toHaveLength(100)
      expect(responses.filter((s) => s === 429)).toHaveLength(400)
    })

    it('logging out on node A closes a socket on node B within a second', async () => {
      const login = await fetch(`${nodes[0]!.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'cluster@example.com', password: 'correct horse battery staple' }),
      })
      const second = ((await login.json()) as { accessToken: string }).accessToken
      const socket = await openSocket(nodes[1]!.baseUrl, second)
      await fetch(`${nodes[0]!.baseUrl}/api/v1/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${second}` },
      })
      expect(await socket.closed).toBe(4401)
    })
  },
)
