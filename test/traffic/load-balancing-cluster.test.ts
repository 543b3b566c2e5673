import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { type Upstream, startUpstream } from './upstreams.js'

const env = {
  SYMPHAINY_PROXY_ALLOW_PRIVATE_NETWORKS: 'true',
  SYMPHAINY_INSTANCE_TTL_SECONDS: '2',
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describeOnProfiles('load balancing across nodes', (profile) => {
  let nodeA: Platform
  let nodeB: Platform
  let admin: Account
  let upstream: Upstream

  beforeAll(async () => {
    if (!profile.canShareNodes) return
    nodeA = await profile.startNode(env)
    nodeB = await profile.startNode(env)
    admin = await signUp(nodeA.gateway)
    upstream = await startUpstream(0)
  })
  afterAll(async () => {
    await upstream?.stop()
  })

  const proxyOnB = (tag: string) =>
    nodeB.gateway.inject({
      method: 'GET',
      url: `/api/v1/services/${tag}/proxy/${tag}/x`,
      headers: admin.auth,
    })
  const registerOnA = async (name: string) => {
    const response = await nodeA.gateway.inject({
      method: 'POST',
      url: `/api/v1/services/${name}/instances`,
      headers: admin.auth,
      payload: { url: upstream.url },
    })
    expect(response.statusCode, response.body).toBe(201)
    return response.json<{ id: string }>().id
  }

  it.skipIf(!profile.canShareNodes)(
    'node B uses an instance registered on node A until its TTL lapses',
    async () => {
      await registerOnA('shared')
      expect((await proxyOnB('shared')).statusCode).toBe(200)
      expect(upstream.count('shared')).toBe(1)
      const view = await nodeB.gateway.inject({
        method: 'GET',
        url: '/api/v1/services/shared',
        headers: admin.auth,
      })
      expect(view.json<{ instances: unknown[] }>().instances).toHaveLength(1)
      await sleep(2_200)
      const lapsed = await proxyOnB('shared')
      expect([lapsed.statusCode, errorCode(lapsed)]).toEqual([503, 'NO_INSTANCE_AVAILABLE'])
      expect(upstream.count('shared')).toBe(1)
    },
  )

  it.skipIf(!profile.canShareNodes)('a heartbeat on node A keeps the instance alive for node B', async () => {
    const id = await registerOnA('beating')
    for (let i = 0; i < 3; i += 1) {
      await sleep(1_000)
      const beat = await nodeA.gateway.inject({
        method: 'POST',
        url: `/api/v1/services/beating/instances/${id}/heartbeat`,
        headers: admin.auth,
      })
      expect(beat.statusCode).toBe(200)
    }
    expect((await proxyOnB('beating')).statusCode).toBe(200)
  })
})
