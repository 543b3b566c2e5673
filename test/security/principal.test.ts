import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'

describeOnProfiles('GET /api/v1/auth/principal', (profile) => {
  let node: Platform
  let admin: Account

  beforeAll(async () => {
    node = await profile.startNode()
    admin = await signUp(node.gateway)
  })

  it('names the caller from the credentials alone, for a token and for an API key, and refuses no credentials', async () => {
    const viaToken = await node.gateway.inject({
      method: 'GET',
      url: '/api/v1/auth/principal',
      headers: admin.auth,
    })
    expect(viaToken.json()).toEqual({
      tenantId: admin.tenantId,
      userId: admin.userId,
      via: 'user',
      roles: ['admin'],
    })
    const key = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: admin.auth,
      payload: { name: 'probe', roles: ['viewer'] },
    })
    const viaKey = await node.gateway.inject({
      method: 'GET',
      url: '/api/v1/auth/principal',
      headers: { authorization: `ApiKey ${key.json<{ key: string }>().key}` },
    })
    expect(viaKey.json()).toEqual({
      tenantId: admin.tenantId,
      userId: admin.userId,
      via: 'api_key',
      roles: ['viewer'],
    })
    expect((await node.gateway.inject({ method: 'GET', url: '/api/v1/auth/principal' })).statusCode).toBe(401)
    await node.gateway.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: admin.auth })
    expect(
      (await node.gateway.inject({ method: 'GET', url: '/api/v1/auth/principal', headers: admin.auth }))
        .statusCode,
    ).toBe(401)
  })
})
