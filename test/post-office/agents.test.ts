import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { postOfficeClient, uniqueMailbox } from './support.js'

interface Agent {
  id: string
  name: string
  capabilities: string[]
  mailbox: string
}

describeOnProfiles('Post Office agents and the Curator', (profile) => {
  let node: Platform
  let admin: Account
  let stranger: Account
  const po = postOfficeClient(() => node)

  beforeAll(async () => {
    node = await profile.startNode()
    admin = await signUp(node.gateway)
    stranger = await signUp(node.gateway)
  })

  it('registers agents and lists them by GET /agents, per tenant', async () => {
    const mailbox = uniqueMailbox('agent')
    const created = await po.call(admin, 'POST', '/api/v1/agents', {
      name: 'reviewer',
      capabilities: ['review', 'summarise'],
      mailbox,
    })
    expect(created.statusCode).toBe(201)
    const agent = created.json<Agent>()
    expect(agent).toMatchObject({ name: 'reviewer', capabilities: ['review', 'summarise'], mailbox })
    expect(agent.id).toMatch(/^agt_/)
    await po.call(admin, 'POST', '/api/v1/agents', { name: 'parser', capabilities: ['parse'], mailbox })
    const listed = (await po.call(admin, 'GET', '/api/v1/agents')).json<{ items: Agent[] }>().items
    expect(listed.map((a) => a.name)).toEqual(['reviewer', 'parser'])
    expect((await po.call(stranger, 'GET', '/api/v1/agents')).json()).toEqual({ items: [], nextCursor: null })

    const taken = await po.call(admin, 'POST', '/api/v1/agents', {
      name: 'reviewer',
      capabilities: [],
      mailbox,
    })
    expect([taken.statusCode, errorCode(taken)]).toEqual([409, 'AGENT_NAME_TAKEN'])
    const sameNameElsewhere = await po.call(stranger, 'POST', '/api/v1/agents', {
      name: 'reviewer',
      capabilities: [],
      mailbox,
    })
    expect(sameNameElsewhere.statusCode).toBe(201)
  })

  it('lists the tenant’s agents in the Curator’s discovery, filtered by capability', async () => {
    const services = await po.call(admin, 'GET', '/api/v1/services')
    const body = services.json<{ items: { name: string }[]; agents: Agent[] }>()
    expect(body.items.map((s) => s.name)).toContain('post-office')
    expect(body.agents.map((a) => a.name)).toEqual(['reviewer', 'parser'])
    const reviewers = await po.call(admin, 'GET', '/api/v1/services?capability=review')
    expect(reviewers.json<{ agents: Agent[] }>().agents.map((a) => a.name)).toEqual(['reviewer'])
    const theirs = await po.call(stranger, 'GET', '/api/v1/services')
    expect(theirs.json<{ agents: Agent[] }>().agents.map((a) => a.capabilities)).toEqual([[]])
  })

  it('refuses bad agent input with 400', async () => {
    for (const body of [
      { name: 'Bad Name', capabilities: [], mailbox: 'm' },
      { name: 'ok', capabilities: ['Not A Capability'], mailbox: 'm' },
      { name: 'ok', capabilities: [{ not: 'a string' }], mailbox: 'm' },
      { name: 'ok', capabilities: [], mailbox: '' },
    ]) {
      const response = await po.call(admin, 'POST', '/api/v1/agents', body)
      expect(response.statusCode, JSON.stringify(body)).toBe(400)
    }
    const badMailbox = await po.call(admin, 'POST', '/api/v1/agents', {
      name: 'ok',
      capabilities: [],
      mailbox: '-x',
    })
    expect(errorCode(badMailbox)).toBe('MAILBOX_NAME_INVALID')
  })
})
