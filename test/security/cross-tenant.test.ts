import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { crossTenantSweep, idBearingRoutes } from '../support/cross-tenant-sweep.js'
import { type Account, addUser, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { multipart } from '../data-steward/file-support.js'

describeOnProfiles('cross-tenant isolation', (profile) => {
  let node: Platform
  let victim: Account
  let victimMember: Account
  let attacker: Account
  let victimKeyId: string
  let victimSessionId: string
  let victimInstanceId: string
  let victimExecutionId: string
  let victimTaskId: string
  let victimMessage: { id: string; receipt: string }
  let victimDeadLetterId: string
  let victimSubscriptionId: string
  let victimDatasetId: string
  let victimFileId: string
  let victimDocumentId: string

  beforeAll(async () => {
    node = await profile.startNode()
    victim = await signUp(node.gateway, { tenantName: 'Victim Corp' })
    victimMember = await addUser(node.gateway, victim, ['member'], 'victim-member')
    attacker = await signUp(node.gateway, { tenantName: 'Attacker Corp' })
    const key = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: victim.auth,
      payload: { name: 'victim key', roles: ['viewer'] },
    })
    victimKeyId = key.json<{ id: string }>().id
    const session = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: victim.auth,
      payload: { sessionType: 'victim', context: { secret: 1 } },
    })
    victimSessionId = session.json<{ id: string }>().id
    const instance = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/services/victim-upstream/instances',
      headers: victim.auth,
      payload: { url: 'http://93.184.215.14/' },
    })
    victimInstanceId = instance.json<{ id: string }>().id
    const post = async (url: string, payload: Record<string, unknown>) =>
      (await node.gateway.inject({ method: 'POST', url, headers: victim.auth, payload })).json<{
        id: string
      }>()
    await post('/api/v1/workflows', {
      name: 'victim-flow',
      steps: [
        { id: 'gate', type: 'human' },
        { id: 'wait', type: 'wait', signal: 'go' },
      ],
    })
    victimExecutionId = (await post('/api/v1/workflows/victim-flow/executions', { input: { secret: 1 } })).id
    victimTaskId = (await post('/api/v1/tasks', { type: 'victim.work', input: { secret: 2 } })).id
    await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: victim.auth,
      payload: { type: 'secret.note', recipient: 'victim-box', payload: { secret: 1 } },
    })
    const leased = await node.gateway.inject({
      method: 'GET',
      url: '/api/v1/mailboxes/victim-box/messages',
      headers: victim.auth,
    })
    victimMessage = leased.json<{ items: { id: string; receipt: string }[] }>().items[0]!
    victimDeadLetterId = (
      await post('/api/v1/messages', { type: 'poison', recipient: 'victim-dead', payload: 1 })
    ).id
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const [lease] = (
        await node.gateway.inject({
          method: 'GET',
          url: '/api/v1/mailboxes/victim-dead/messages',
          headers: victim.auth,
        })
      ).json<{ items: { id: string; receipt: string }[] }>().items
      const nacked = await post(`/api/v1/messages/${lease!.id}/nack`, { receipt: lease!.receipt })
      if ((nacked as { deadLettered?: boolean }).deadLettered) break
    }
    const dead = await node.gateway.inject({
      method: 'GET',
      url: '/api/v1/mailboxes/victim-dead/dead-letters',
      headers: victim.auth,
    })
    expect(dead.json<{ items: { id: string }[] }>().items.map((m) => m.id)).toEqual([victimDeadLetterId])
    const subscription = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/subscriptions',
      headers: victim.auth,
      payload: { pattern: 'victim.*', target: { kind: 'mailbox', mailbox: 'victim-box' } },
    })
    victimSubscriptionId = subscription.json<{ id: string }>().id
    victimDatasetId = (
      await node.services.dataSteward.datasets.createTable(
        { tenantId: victim.tenantId, userId: victim.userId },
        { name: 'victim rows', derivedFrom: [] },
        [{ secret: 1 }],
      )
    ).id
    await post('/api/v1/schemas', { name: 'victim-schema', jsonSchema: { type: 'object' } })
    const upload = multipart([
      { name: 'file', filename: 'secret.csv', contentType: 'text/csv', content: 'secret,1\n' },
    ])
    const file = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...victim.auth, ...upload.headers },
      payload: upload.payload,
    })
    victimFileId = file.json<{ id: string }>().id
    victimDocumentId = (
      await post('/api/v1/documents', {
        collection: 'victim',
        title: 'Victim secrets',
        body: 'the secret plan',
        metadata: { secret: 1 },
        tags: ['secret'],
      })
    ).id
    // Settle the outbox (the victim's workflow.started event) so nothing changes the victim's rows mid-sweep.
    await node.services.postOffice.dispatcher.runOnce()
  })

  it('every id-bearing route answers 404 to another tenant, and the victim tenant is unchanged', async () => {
    const result = await crossTenantSweep({
      gateway: node.gateway,
      database: node.infra.database,
      victimTenantId: victim.tenantId,
      attackerAuth: attacker.auth,
      cases: {
        'GET /api/v1/users/:id': { params: { id: victimMember.userId } },
        'PATCH /api/v1/users/:id': {
          params: { id: victimMember.userId },
          body: { name: 'pwned', roles: ['admin'], status: 'disabled', password: 'an attacker passphrase' },
        },
        'DELETE /api/v1/users/:id': { params: { id: victimMember.userId } },
        'DELETE /api/v1/api-keys/:id': { params: { id: victimKeyId } },
        'GET /api/v1/sessions/:id': { params: { id: victimSessionId } },
        'DELETE /api/v1/sessions/:id': { params: { id: victimSessionId } },
        'GET /api/v1/sessions/:id/state': { params: { id: victimSessionId } },
        'PUT /api/v1/sessions/:id/state': {
          params: { id: victimSessionId },
          body: { data: { pwned: true } },
        },
        'PATCH /api/v1/sessions/:id/state': { params: { id: victimSessionId }, body: { pwned: true } },
        'GET /api/v1/services/:name': { params: { name: 'victim-upstream' } },
        'DELETE /api/v1/services/:name/instances/:id': {
          params: { name: 'victim-upstream', id: victimInstanceId },
        },
        'POST /api/v1/services/:name/instances/:id/heartbeat': {
          params: { name: 'victim-upstream', id: victimInstanceId },
        },
        'PUT /api/v1/services/:name/load-balancing': {
          params: { name: 'victim-upstream' },
          body: { strategy: 'latency' },
        },
        'GET /api/v1/workflows/:name': { params: { name: 'victim-flow' } },
        'GET /api/v1/workflows/:name/versions': { params: { name: 'victim-flow' } },
        'POST /api/v1/workflows/:name/executions': { params: { name: 'victim-flow' }, body: { input: {} } },
        'GET /api/v1/executions/:id': { params: { id: victimExecutionId } },
        'GET /api/v1/executions/:id/history': { params: { id: victimExecutionId } },
        ...Object.fromEntries(
          ['pause', 'resume', 'retry', 'cancel'].map((verb) => [
            `POST /api/v1/executions/:id/${verb}`,
            { params: { id: victimExecutionId }, body: {} },
          ]),
        ),
        'POST /api/v1/executions/:id/signals/:name': {
          params: { id: victimExecutionId, name: 'go' },
          body: { payload: 'pwned' },
        },
        'POST /api/v1/executions/:id/steps/:stepId/complete': {
          params: { id: victimExecutionId, stepId: 'gate' },
          body: { output: 'pwned' },
        },
        'POST /api/v1/executions/:id/steps/:stepId/skip': {
          params: { id: victimExecutionId, stepId: 'gate' },
          body: {},
        },
        'GET /api/v1/tasks/:id': { params: { id: victimTaskId } },
        'POST /api/v1/tasks/:id/heartbeat': { params: { id: victimTaskId }, body: { workerId: 'spy' } },
        'POST /api/v1/tasks/:id/complete': { params: { id: victimTaskId }, body: { output: 'pwned' } },
        'POST /api/v1/tasks/:id/fail': { params: { id: victimTaskId }, body: { error: 'pwned' } },
        ...Object.fromEntries(
          ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => [
            `${method} /api/v1/services/:name/proxy/*`,
            { params: { name: 'victim-upstream' } },
          ]),
        ),
        'POST /api/v1/messages/:id/ack': {
          params: { id: victimMessage.id },
          body: { receipt: victimMessage.receipt },
        },
        'POST /api/v1/messages/:id/nack': {
          params: { id: victimMessage.id },
          body: { receipt: victimMessage.receipt, delaySeconds: 0 },
        },
        'POST /api/v1/mailboxes/:recipient/dead-letters/:id/replay': {
          params: { recipient: 'victim-dead', id: victimDeadLetterId },
        },
        'DELETE /api/v1/mailboxes/:recipient/dead-letters/:id': {
          params: { recipient: 'victim-dead', id: victimDeadLetterId },
        },
        'GET /api/v1/subscriptions/:id': { params: { id: victimSubscriptionId } },
        'DELETE /api/v1/subscriptions/:id': { params: { id: victimSubscriptionId } },
        'GET /api/v1/subscriptions/:id/deliveries': { params: { id: victimSubscriptionId } },
        'GET /api/v1/datasets/:id': { params: { id: victimDatasetId } },
        'GET /api/v1/datasets/:id/preview': { params: { id: victimDatasetId } },
        'GET /api/v1/datasets/:id/inferred-schema': { params: { id: victimDatasetId } },
        'POST /api/v1/datasets/:id/quality': { params: { id: victimDatasetId }, body: {} },
        'DELETE /api/v1/datasets/:id': { params: { id: victimDatasetId } },
        'GET /api/v1/schemas/:name': { params: { name: 'victim-schema' } },
        'POST /api/v1/schemas/:name/validate': { params: { name: 'victim-schema' }, body: { records: [{}] } },
        'GET /api/v1/lineage/:id': { params: { id: victimDatasetId } },
        'GET /api/v1/files/:id': { params: { id: victimFileId } },
        'GET /api/v1/files/:id/content': { params: { id: victimFileId } },
        'DELETE /api/v1/files/:id': { params: { id: victimFileId } },
        'GET /api/v1/documents/:id': { params: { id: victimDocumentId } },
        'PUT /api/v1/documents/:id': {
          params: { id: victimDocumentId },
          body: { title: 'pwned', body: 'pwned', collection: 'pwned' },
        },
        'DELETE /api/v1/documents/:id': { params: { id: victimDocumentId } },
        'GET /api/v1/documents/:id/versions': { params: { id: victimDocumentId } },
      },
      exempt: {
        'POST /api/v1/services/:name/instances':
          "external service names are a per-tenant namespace: B's POST registers B's own instance",
        'PUT /api/v1/roles/:name': "role names are a per-tenant namespace: B's PUT defines B's own role",
        'PUT /api/v1/rate-limits/:policy':
          "policy names are a per-tenant namespace: B's PUT defines B's own policy (A's stays unchanged)",
        'DELETE /api/v1/rate-limits/:policy':
          "policy names are a per-tenant namespace: B's DELETE addresses B's own policy (404 when none)",
        'DELETE /api/v1/roles/:name':
          "role names are a per-tenant namespace: B's DELETE addresses B's own role",
        'POST /api/v1/state/:key/promote':
          "state keys are a per-tenant namespace: B's promotion of a key name writes B's own state",
        'GET /api/v1/mailboxes/:recipient/messages':
          "mailbox names are a per-tenant namespace: B's receive leases from B's own mailbox of that name",
        'GET /api/v1/mailboxes/:recipient/dead-letters':
          "mailbox names are a per-tenant namespace: B sees only B's own dead letters under that name",
        'POST /api/v1/mailboxes/:recipient/dead-letters/replay':
          "mailbox names are a per-tenant namespace: B's replay replays only B's own dead letters under that name",
        'GET /api/v1/state/:key/lineage':
          "state keys are a per-tenant namespace: B sees only B's own promotions of a key name (404 when none)",
      },
    })
    expect(result.missingCases).toEqual([])
    expect(result.failures).toEqual([])
    expect(result.checked.length).toBeGreaterThanOrEqual(4)
    expect(result.victimRowsBefore).toBeGreaterThan(0)
    expect(result.victimChanged).toBe(false)
  })

  it("B cannot parse A's file by naming its id in a body (404, no dataset made on either side)", async () => {
    const datasets = async (auth: Record<string, string>) =>
      (await node.gateway.inject({ method: 'GET', url: '/api/v1/datasets', headers: auth })).body
    const [victimBefore, attackerBefore] = [await datasets(victim.auth), await datasets(attacker.auth)]
    const response = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/content/parse',
      headers: attacker.auth,
      payload: { fileId: victimFileId },
    })
    expect(response.statusCode).toBe(404)
    expect(response.body).not.toContain(victim.tenantId)
    expect(await datasets(victim.auth)).toBe(victimBefore)
    expect(await datasets(attacker.auth)).toBe(attackerBefore)
  })

  it('fails loudly when an id-bearing route has no sweep case', async () => {
    const result = await crossTenantSweep({
      gateway: node.gateway,
      database: node.infra.database,
      victimTenantId: victim.tenantId,
      attackerAuth: attacker.auth,
      cases: {},
      exempt: {},
    })
    expect(result.missingCases).toEqual(expect.arrayContaining(idBearingRoutes(node.gateway)))
  })

  it('notices a route that answers another tenant (the sweep can fail)', async () => {
    const result = await crossTenantSweep({
      gateway: node.gateway,
      database: node.infra.database,
      victimTenantId: victim.tenantId,
      attackerAuth: victim.auth,
      cases: { 'GET /api/v1/users/:id': { params: { id: victimMember.userId } } },
      exempt: {},
    })
    expect(result.failures.some((f) => f.startsWith('GET /api/v1/users/:id -> 200'))).toBe(true)
  })

  it("B's own role named like A's does not touch A's role", async () => {
    const put = (auth: Record<string, string>, permissions: string[]) =>
      node.gateway.inject({
        method: 'PUT',
        url: '/api/v1/roles/analyst',
        headers: auth,
        payload: { permissions },
      })
    expect((await put(victim.auth, ['dataset:read'])).statusCode).toBe(201)
    expect((await put(attacker.auth, ['*:*'])).statusCode).toBe(201)
    const roles = await node.gateway.inject({ method: 'GET', url: '/api/v1/roles', headers: victim.auth })
    const analyst = roles
      .json<{ items: { name: string; permissions: string[] }[] }>()
      .items.find((r) => r.name === 'analyst')
    expect(analyst?.permissions).toEqual(['dataset:read'])
  })
})
