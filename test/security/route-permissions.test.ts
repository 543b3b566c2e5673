import type { LightMyRequestResponse } from 'fastify'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { routeTable } from '../../src/gateway/authentication.js'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, signUp, strongPassword, uniqueEmail } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { auditEvents, putRole, requestIdOf } from './guard-support.js'
import { type Rule, builtInSpec, nothing } from './permission-spec.js'
import { multipart } from '../data-steward/file-support.js'

/**
 * Route-level enforcement (M7): every route that declares a permission refuses, with 403 PERMISSION_DENIED and a
 * `permission.denied` audit event, each principal whose roles lack it; every non-public route refuses anonymous
 * callers with 401. The requests are valid: the same request then succeeds for the admin, so a 403 cannot be a
 * validation failure in disguise. A new permission route without an entry here fails the suite.
 */
interface Fixture {
  userId: string
  doomedUserId: string
  doomedRole: string
  doomedKeyId: string
  serviceName: string
  sessionId: string
  doomedSessionId: string
  upstreamUrl: string
  instanceId: string
  doomedInstanceId: string
  executionId: string
  failedExecutionId: string
  doomedExecutionId: string
  taskId: string
  ackMessage: { id: string; receipt: string }
  nackMessage: { id: string; receipt: string }
  deadLetterId: string
  doomedDeadLetterId: string
  subscriptionId: string
  doomedSubscriptionId: string
  datasetId: string
  doomedDatasetId: string
  fileId: string
  doomedFileId: string
  documentId: string
  doomedDocumentId: string
}

interface Call {
  url: string
  payload?: Record<string, unknown> | Buffer
  headers?: Record<string, string>
}

const routeCheckUpload = multipart([
  { name: 'file', filename: 'route-check.csv', contentType: 'text/csv', content: 'a,b\n1,2\n' },
])

const newUserBody = {
  email: uniqueEmail('route'),
  password: strongPassword,
  name: 'Route Test',
  roles: ['viewer'],
}
const routeCheckWorkflow = {
  name: 'route-check',
  steps: [
    { id: 'gate', type: 'human' },
    { id: 'hold', type: 'human' },
  ],
}
const requests: Record<string, (f: Fixture) => Call> = {
  'POST /api/v1/users': () => ({ url: '/api/v1/users', payload: newUserBody }),
  'GET /api/v1/users': () => ({ url: '/api/v1/users?limit=5' }),
  'GET /api/v1/users/:id': (f) => ({ url: `/api/v1/users/${f.userId}` }),
  'PATCH /api/v1/users/:id': (f) => ({ url: `/api/v1/users/${f.userId}`, payload: { name: 'Renamed' } }),
  'DELETE /api/v1/users/:id': (f) => ({ url: `/api/v1/users/${f.doomedUserId}` }),
  'GET /api/v1/roles': () => ({ url: '/api/v1/roles' }),
  'PUT /api/v1/roles/:name': () => ({
    url: '/api/v1/roles/route-check',
    payload: { permissions: ['file:read'] },
  }),
  'DELETE /api/v1/roles/:name': (f) => ({ url: `/api/v1/roles/${f.doomedRole}` }),
  'POST /api/v1/api-keys': () => ({
    url: '/api/v1/api-keys',
    payload: { name: 'route check', roles: ['viewer'] },
  }),
  'GET /api/v1/api-keys': () => ({ url: '/api/v1/api-keys' }),
  'DELETE /api/v1/api-keys/:id': (f) => ({ url: `/api/v1/api-keys/${f.doomedKeyId}` }),
  'GET /api/v1/audit': () => ({ url: '/api/v1/audit?limit=5' }),
  'GET /api/v1/services': () => ({ url: '/api/v1/services' }),
  'GET /api/v1/services/:name': (f) => ({ url: `/api/v1/services/${f.serviceName}` }),
  'GET /api/v1/platform/lifecycle': () => ({ url: '/api/v1/platform/lifecycle' }),
  'GET /api/v1/traffic/analytics': () => ({ url: '/api/v1/traffic/analytics?range=1h' }),
  'POST /api/v1/services/:name/instances': (f) => ({
    url: '/api/v1/services/route-upstream/instances',
    payload: { url: f.upstreamUrl, weight: 2 },
  }),
  'DELETE /api/v1/services/:name/instances/:id': (f) => ({
    url: `/api/v1/services/route-upstream/instances/${f.doomedInstanceId}`,
  }),
  'POST /api/v1/services/:name/instances/:id/heartbeat': (f) => ({
    url: `/api/v1/services/route-upstream/instances/${f.instanceId}/heartbeat`,
  }),
  'PUT /api/v1/services/:name/load-balancing': () => ({
    url: '/api/v1/services/route-upstream/load-balancing',
    payload: { strategy: 'least-connections' },
  }),
  ...Object.fromEntries(
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => [
      `${method} /api/v1/services/:name/proxy/*`,
      () => ({
        url: '/api/v1/services/route-upstream/proxy/anything',
        ...(method !== 'GET' && method !== 'DELETE' && { payload: { hello: 'upstream' } }),
      }),
    ]),
  ),
  'POST /api/v1/sessions': () => ({ url: '/api/v1/sessions', payload: { sessionType: 'route-check' } }),
  'GET /api/v1/sessions': () => ({ url: '/api/v1/sessions' }),
  'GET /api/v1/sessions/analytics': () => ({ url: '/api/v1/sessions/analytics?range=1h' }),
  'GET /api/v1/sessions/:id': (f) => ({ url: `/api/v1/sessions/${f.sessionId}` }),
  'DELETE /api/v1/sessions/:id': (f) => ({ url: `/api/v1/sessions/${f.doomedSessionId}` }),
  'GET /api/v1/sessions/:id/state': (f) => ({ url: `/api/v1/sessions/${f.sessionId}/state` }),
  'PUT /api/v1/sessions/:id/state': (f) => ({
    url: `/api/v1/sessions/${f.sessionId}/state`,
    payload: { data: { a: 1 } },
  }),
  'PATCH /api/v1/sessions/:id/state': (f) => ({
    url: `/api/v1/sessions/${f.sessionId}/state`,
    payload: { b: 2 },
  }),
  'POST /api/v1/state/:key/promote': () => ({
    url: '/api/v1/state/route-check/promote',
    payload: { data: { step: 1 }, promote: true },
  }),
  'GET /api/v1/state/promotions': () => ({ url: '/api/v1/state/promotions?limit=5' }),
  'GET /api/v1/state/:key/lineage': () => ({ url: '/api/v1/state/route-check/lineage' }),
  'GET /api/v1/rate-limits': () => ({ url: '/api/v1/rate-limits' }),
  // The admin's PUT (registered, so swept, before the DELETE) creates the policy the DELETE then removes.
  'PUT /api/v1/rate-limits/:policy': () => ({
    url: '/api/v1/rate-limits/route-check',
    payload: { scope: 'user', limit: 1000, windowSeconds: 60, routes: ['/api/v1/none'] },
  }),
  'DELETE /api/v1/rate-limits/:policy': () => ({ url: '/api/v1/rate-limits/route-check' }),
  'POST /api/v1/workflows': () => ({ url: '/api/v1/workflows', payload: routeCheckWorkflow }),
  'POST /api/v1/workflows/import/conductor': () => ({
    url: '/api/v1/workflows/import/conductor',
    payload: { name: 'route-check-import', tasks: [{ name: 'a', taskReferenceName: 'a', type: 'SIMPLE' }] },
  }),
  'GET /api/v1/workflows': () => ({ url: '/api/v1/workflows' }),
  'GET /api/v1/workflows/:name': () => ({ url: '/api/v1/workflows/route-check' }),
  'GET /api/v1/workflows/:name/versions': () => ({ url: '/api/v1/workflows/route-check/versions' }),
  'POST /api/v1/workflows/:name/executions': () => ({
    url: '/api/v1/workflows/route-check/executions',
    payload: { input: {} },
  }),
  'GET /api/v1/executions': () => ({ url: '/api/v1/executions?limit=5' }),
  'GET /api/v1/executions/:id': (f) => ({ url: `/api/v1/executions/${f.executionId}` }),
  'GET /api/v1/executions/:id/history': (f) => ({ url: `/api/v1/executions/${f.executionId}/history` }),
  // Swept in registration order: pause, then resume, on the same running execution.
  'POST /api/v1/executions/:id/pause': (f) => ({ url: `/api/v1/executions/${f.executionId}/pause` }),
  'POST /api/v1/executions/:id/resume': (f) => ({ url: `/api/v1/executions/${f.executionId}/resume` }),
  'POST /api/v1/executions/:id/retry': (f) => ({ url: `/api/v1/executions/${f.failedExecutionId}/retry` }),
  'POST /api/v1/executions/:id/cancel': (f) => ({
    url: `/api/v1/executions/${f.doomedExecutionId}/cancel`,
    payload: {},
  }),
  'POST /api/v1/executions/:id/signals/:name': (f) => ({
    url: `/api/v1/executions/${f.executionId}/signals/route-check`,
    payload: { payload: 1 },
  }),
  'POST /api/v1/executions/:id/steps/:stepId/complete': (f) => ({
    url: `/api/v1/executions/${f.executionId}/steps/gate/complete`,
    payload: { output: 'ok' },
  }),
  'POST /api/v1/executions/:id/steps/:stepId/skip': (f) => ({
    url: `/api/v1/executions/${f.executionId}/steps/hold/skip`,
    payload: {},
  }),
  'POST /api/v1/tasks': () => ({ url: '/api/v1/tasks', payload: { type: 'route.check', input: 1 } }),
  'POST /api/v1/tasks/poll': () => ({
    url: '/api/v1/tasks/poll',
    payload: { types: ['route.check.none'], workerId: 'route-check' },
  }),
  'GET /api/v1/tasks/:id': (f) => ({ url: `/api/v1/tasks/${f.taskId}` }),
  'POST /api/v1/tasks/:id/heartbeat': (f) => ({
    url: `/api/v1/tasks/${f.taskId}/heartbeat`,
    payload: { workerId: 'route-check' },
  }),
  'POST /api/v1/tasks/:id/complete': (f) => ({
    url: `/api/v1/tasks/${f.taskId}/complete`,
    payload: { output: 1 },
  }),
  'POST /api/v1/tasks/:id/fail': (f) => ({
    url: `/api/v1/tasks/${f.taskId}/fail`,
    payload: { error: 'already completed: a no-op' },
  }),
  'POST /api/v1/messages': () => ({
    url: '/api/v1/messages',
    payload: { type: 'route.check', recipient: 'route-box', payload: {} },
  }),
  'GET /api/v1/mailboxes/:recipient/messages': () => ({
    url: '/api/v1/mailboxes/route-empty/messages?wait=0',
  }),
  'POST /api/v1/messages/:id/ack': (f) => ({
    url: `/api/v1/messages/${f.ackMessage.id}/ack`,
    payload: { receipt: f.ackMessage.receipt },
  }),
  'POST /api/v1/messages/:id/nack': (f) => ({
    url: `/api/v1/messages/${f.nackMessage.id}/nack`,
    payload: { receipt: f.nackMessage.receipt },
  }),
  'GET /api/v1/mailboxes/:recipient/dead-letters': () => ({
    url: '/api/v1/mailboxes/route-box/dead-letters',
  }),
  'POST /api/v1/mailboxes/:recipient/dead-letters/replay': () => ({
    url: '/api/v1/mailboxes/route-dead-empty/dead-letters/replay',
  }),
  'POST /api/v1/mailboxes/:recipient/dead-letters/:id/replay': (f) => ({
    url: `/api/v1/mailboxes/route-dead/dead-letters/${f.deadLetterId}/replay`,
  }),
  'DELETE /api/v1/mailboxes/:recipient/dead-letters/:id': (f) => ({
    url: `/api/v1/mailboxes/route-dead/dead-letters/${f.doomedDeadLetterId}`,
  }),
  'POST /api/v1/events': () => ({ url: '/api/v1/events', payload: { type: 'route.check', payload: {} } }),
  'POST /api/v1/subscriptions': () => ({
    url: '/api/v1/subscriptions',
    payload: { pattern: 'route.*', target: { kind: 'websocket' } },
  }),
  'GET /api/v1/subscriptions': () => ({ url: '/api/v1/subscriptions' }),
  'GET /api/v1/subscriptions/:id': (f) => ({ url: `/api/v1/subscriptions/${f.subscriptionId}` }),
  'DELETE /api/v1/subscriptions/:id': (f) => ({ url: `/api/v1/subscriptions/${f.doomedSubscriptionId}` }),
  'GET /api/v1/subscriptions/:id/deliveries': (f) => ({
    url: `/api/v1/subscriptions/${f.subscriptionId}/deliveries`,
  }),
  'POST /api/v1/agents': () => ({
    url: '/api/v1/agents',
    payload: { name: 'route-agent', capabilities: ['check'], mailbox: 'route-box' },
  }),
  'GET /api/v1/agents': () => ({ url: '/api/v1/agents' }),
  'GET /api/v1/datasets': () => ({ url: '/api/v1/datasets' }),
  'GET /api/v1/datasets/:id': (f) => ({ url: `/api/v1/datasets/${f.datasetId}` }),
  'GET /api/v1/datasets/:id/preview': (f) => ({ url: `/api/v1/datasets/${f.datasetId}/preview?maxRows=1` }),
  'DELETE /api/v1/datasets/:id': (f) => ({ url: `/api/v1/datasets/${f.doomedDatasetId}` }),
  'GET /api/v1/datasets/:id/inferred-schema': (f) => ({
    url: `/api/v1/datasets/${f.datasetId}/inferred-schema`,
  }),
  'POST /api/v1/datasets/:id/quality': (f) => ({
    url: `/api/v1/datasets/${f.datasetId}/quality`,
    payload: {},
  }),
  'POST /api/v1/schemas': () => ({
    url: '/api/v1/schemas',
    payload: { name: 'route-check', jsonSchema: { type: 'object' } },
  }),
  'GET /api/v1/schemas': () => ({ url: '/api/v1/schemas' }),
  'GET /api/v1/schemas/:name': () => ({ url: '/api/v1/schemas/route-check' }),
  'POST /api/v1/schemas/:name/validate': () => ({
    url: '/api/v1/schemas/route-check/validate',
    payload: { records: [{}] },
  }),
  'GET /api/v1/lineage/:id': (f) => ({ url: `/api/v1/lineage/${f.datasetId}` }),
  'POST /api/v1/files': () => ({
    url: '/api/v1/files',
    payload: routeCheckUpload.payload,
    headers: routeCheckUpload.headers,
  }),
  'GET /api/v1/files': () => ({ url: '/api/v1/files?limit=5' }),
  'GET /api/v1/files/:id': (f) => ({ url: `/api/v1/files/${f.fileId}` }),
  'GET /api/v1/files/:id/content': (f) => ({ url: `/api/v1/files/${f.fileId}/content` }),
  'DELETE /api/v1/files/:id': (f) => ({ url: `/api/v1/files/${f.doomedFileId}` }),
  'POST /api/v1/documents': () => ({
    url: '/api/v1/documents',
    payload: { collection: 'route-check', title: 'Route check', body: 'text' },
  }),
  'GET /api/v1/documents': () => ({ url: '/api/v1/documents?q=route' }),
  'GET /api/v1/documents/:id': (f) => ({ url: `/api/v1/documents/${f.documentId}` }),
  'PUT /api/v1/documents/:id': (f) => ({
    url: `/api/v1/documents/${f.documentId}`,
    payload: { title: 'Route check again', body: 'more text' },
  }),
  'DELETE /api/v1/documents/:id': (f) => ({ url: `/api/v1/documents/${f.doomedDocumentId}` }),
  'GET /api/v1/documents/:id/versions': (f) => ({ url: `/api/v1/documents/${f.documentId}/versions` }),
  'POST /api/v1/content/parse': (f) => ({ url: '/api/v1/content/parse', payload: { fileId: f.fileId } }),
}
/** Routes that need only authentication; used for the anonymous sweep. */
const authenticatedRequests: Record<string, () => Call> = {
  'POST /api/v1/auth/logout': () => ({ url: '/api/v1/auth/logout' }),
  'POST /api/v1/auth/password': () => ({
    url: '/api/v1/auth/password',
    payload: { currentPassword: 'not checked before authentication', newPassword: 'a fresh passphrase here' },
  }),
  'GET /api/v1/auth/me': () => ({ url: '/api/v1/auth/me' }),
  'GET /api/v1/auth/principal': () => ({ url: '/api/v1/auth/principal' }),
  'POST /api/v1/permissions/check': () => ({
    url: '/api/v1/permissions/check',
    payload: { resource: 'file', action: 'read' },
  }),
}

/** HEAD routes are Fastify's automatic twins of GET routes: same URL, same declaration. */
const requestFor = (method: string, url: string) =>
  method === 'HEAD'
    ? (requests[`GET ${url}`] ?? authenticatedRequests[`GET ${url}`])
    : (requests[`${method} ${url}`] ?? authenticatedRequests[`${method} ${url}`])

describeOnProfiles('route-level permission enforcement', (profile) => {
  let node: Platform
  let admin: Account
  const candidates: { label: string; rule: Rule; account?: Account }[] = [
    { label: 'viewer', rule: builtInSpec.viewer },
    { label: 'member', rule: builtInSpec.member },
    { label: 'no roles', rule: nothing },
  ]
  let fixture: Fixture
  let upstream: Server
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())))

  const send = (method: string, call: Call, headers: Record<string, string> = {}) =>
    node.gateway.inject({
      method: method as 'GET',
      url: call.url,
      headers: { ...call.headers, ...headers },
      ...(call.payload && { payload: call.payload }),
    })

  const permissionRoutes = () =>
    routeTable(node.gateway).flatMap((r) =>
      'permission' in r.security ? [{ ...r, permission: r.security.permission }] : [],
    )

  beforeAll(async () => {
    node = await profile.startNode({ SYMPHAINY_PROXY_ALLOW_PRIVATE_NETWORKS: 'true' })
    upstream = createServer((request, response) => {
      request.resume()
      request.on('end', () =>
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
      )
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
    admin = await signUp(node.gateway)
    candidates[0]!.account = await addUser(node.gateway, admin, ['viewer'], 'viewer')
    candidates[1]!.account = await addUser(node.gateway, admin, ['member'], 'member')
    candidates[2]!.account = await addUser(node.gateway, admin, [], 'nobody')
    const doomed = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin.auth,
      payload: { email: uniqueEmail('doomed'), password: strongPassword, name: 'Doomed' },
    })
    await putRole(node.gateway, admin, 'doomed-role', ['file:read'])
    await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/state/route-check/promote',
      headers: admin.auth,
      payload: { data: { step: 0 }, promote: true },
    })
    const key = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: admin.auth,
      payload: { name: 'doomed key' },
    })
    const openSession = async () =>
      (
        await node.gateway.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          headers: admin.auth,
          payload: { sessionType: 'route-check' },
        })
      ).json<{ id: string }>().id
    const register = async () =>
      (
        await node.gateway.inject({
          method: 'POST',
          url: '/api/v1/services/route-upstream/instances',
          headers: admin.auth,
          payload: { url: upstreamUrl },
        })
      ).json<{ id: string }>().id
    const instanceId = await register()
    const doomedInstanceId = await register()
    const sessionId = await openSession()
    const doomedSessionId = await openSession()
    const services = await node.gateway.inject({
      method: 'GET',
      url: '/api/v1/services',
      headers: admin.auth,
    })
    const post = async (url: string, payload: Record<string, unknown>) =>
      (await node.gateway.inject({ method: 'POST', url, headers: admin.auth, payload })).json<{
        id: string
      }>()
    await post('/api/v1/workflows', routeCheckWorkflow)
    await post('/api/v1/workflows', {
      name: 'route-check-fails',
      steps: [{ id: 'stop', type: 'terminate', status: 'failed' }],
    })
    const start = async (name: string) => (await post(`/api/v1/workflows/${name}/executions`, {})).id
    await post('/api/v1/tasks', { type: 'route.check.lease' })
    const leasedTask = await node.gateway.inject({
      method: 'POST',
      url: '/api/v1/tasks/poll',
      headers: admin.auth,
      payload: { types: ['route.check.lease'], workerId: 'route-check', leaseSeconds: 3600 },
    })
    const adminCall = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      node.gateway.inject({ method, url, headers: admin.auth, ...(payload && { payload }) })
    for (const n of [1, 2])
      await adminCall('POST', '/api/v1/messages', {
        type: 'route.fixture',
        recipient: 'route-leased',
        payload: n,
      })
    const leased = (await adminCall('GET', '/api/v1/mailboxes/route-leased/messages?max=2')).json<{
      items: { id: string; receipt: string }[]
    }>().items
    /** A message of mailbox `route-dead` nacked until it is a dead letter. */
    const deadLetter = async () => {
      const sent = await adminCall('POST', '/api/v1/messages', {
        type: 'route.poison',
        recipient: 'route-dead',
        payload: 0,
      })
      const { id } = sent.json<{ id: string }>()
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const [lease] = (await adminCall('GET', '/api/v1/mailboxes/route-dead/messages')).json<{
          items: { id: string; receipt: string }[]
        }>().items
        const nacked = await adminCall('POST', `/api/v1/messages/${lease!.id}/nack`, {
          receipt: lease!.receipt,
        })
        if (nacked.json<{ deadLettered: boolean }>().deadLettered) return id
      }
      throw new Error('no dead letter after 50 nacks')
    }
    const subscribe = async () =>
      (
        await adminCall('POST', '/api/v1/subscriptions', {
          pattern: 'route.*',
          target: { kind: 'websocket' },
        })
      ).json<{ id: string }>().id
    const makeDataset = async (name: string) =>
      (
        await node.services.dataSteward.datasets.createTable(
          { tenantId: admin.tenantId, userId: admin.userId },
          { name, derivedFrom: [] },
          [{ a: 1 }],
        )
      ).id
    const uploadFile = async () =>
      (
        await node.gateway.inject({
          method: 'POST',
          url: '/api/v1/files',
          headers: { ...admin.auth, ...routeCheckUpload.headers },
          payload: routeCheckUpload.payload,
        })
      ).json<{ id: string }>().id
    const document = async () =>
      (
        await adminCall('POST', '/api/v1/documents', {
          collection: 'route-check',
          title: 'Route fixture',
          body: 'route fixture text',
        })
      ).json<{ id: string }>().id
    fixture = {
      userId: candidates[1]!.account.userId,
      doomedUserId: doomed.json<{ id: string }>().id,
      doomedRole: 'doomed-role',
      doomedKeyId: key.json<{ id: string }>().id,
      serviceName: services.json<{ items: { name: string }[] }>().items[0]!.name,
      sessionId,
      doomedSessionId,
      upstreamUrl,
      instanceId,
      doomedInstanceId,
      executionId: await start('route-check'),
      failedExecutionId: await start('route-check-fails'),
      doomedExecutionId: await start('route-check'),
      taskId: leasedTask.json<{ tasks: { id: string }[] }>().tasks[0]!.id,
      ackMessage: leased[0]!,
      nackMessage: leased[1]!,
      deadLetterId: await deadLetter(),
      doomedDeadLetterId: await deadLetter(),
      subscriptionId: await subscribe(),
      doomedSubscriptionId: await subscribe(),
      datasetId: await makeDataset('route-check'),
      doomedDatasetId: await makeDataset('route-check-doomed'),
      fileId: await uploadFile(),
      doomedFileId: await uploadFile(),
      documentId: await document(),
      doomedDocumentId: await document(),
    }
  })

  it('every permission route has a request in this suite', () => {
    const routes = permissionRoutes()
    expect(routes.length).toBeGreaterThanOrEqual(15)
    expect(routes.filter((r) => !requestFor(r.method, r.url)).map((r) => `${r.method} ${r.url}`)).toEqual([])
  })

  it('each principal lacking the permission gets 403 and an audit event; the admin then succeeds', async () => {
    const denied: { route: string; permission: string; userId: string; response: LightMyRequestResponse }[] =
      []
    const problems: string[] = []
    for (const route of permissionRoutes()) {
      const [resource, action] = route.permission.split(':') as [string, string]
      const call = requestFor(route.method, route.url)!(fixture)
      const lacking = candidates.filter((c) => !c.rule(resource, action))
      if (lacking.length === 0)
        problems.push(`${route.method} ${route.url}: no candidate lacks ${route.permission}`)
      if (route.method !== 'GET' && route.method !== 'HEAD' && !lacking.some((c) => c.label === 'viewer'))
        problems.push(`${route.method} ${route.url}: a write route the viewer may call`)
      for (const candidate of lacking) {
        const response = await send(route.method, call, candidate.account!.auth)
        const label = `${candidate.label} ${route.method} ${route.url}`
        if (response.statusCode !== 403) problems.push(`${label}: ${response.statusCode} ${response.body}`)
        else if (route.method !== 'HEAD' && errorCode(response) !== 'PERMISSION_DENIED')
          problems.push(`${label}: ${response.body}`)
        denied.push({
          route: `${route.method} ${route.url}`,
          permission: route.permission,
          userId: candidate.account!.userId,
          response,
        })
      }
      const control = await send(route.method, call, admin.auth)
      if (control.statusCode < 200 || control.statusCode > 299)
        problems.push(`admin ${route.method} ${route.url}: ${control.statusCode} ${control.body}`)
    }
    expect(problems).toEqual([])

    const events = new Map(
      (await auditEvents(node.gateway, admin.auth, { action: 'permission.denied' })).map((e) => [
        e.requestId,
        e,
      ]),
    )
    for (const d of denied) {
      expect(events.get(requestIdOf(d.response)), d.route).toMatchObject({
        action: 'permission.denied',
        outcome: 'denied',
        actor: { type: 'user', id: d.userId },
        ip: '127.0.0.1',
        details: { permission: d.permission, route: d.route },
      })
    }
    expect(denied.length).toBeGreaterThanOrEqual(20)
  })

  it('denied writes had no effect', async () => {
    // The admin's control calls succeeded above (201 for the user and the role, 204 for the deletes), which they
    // could not have if a denied call had created or removed the same thing first. Check the renamed user too.
    const user = await node.gateway.inject({
      method: 'GET',
      url: `/api/v1/users/${fixture.userId}`,
      headers: admin.auth,
    })
    expect(user.json()).toMatchObject({ name: 'Renamed', roles: ['member'] })
  })

  it('every non-public route answers 401 without credentials or with a garbage token', async () => {
    const problems: string[] = []
    const routes = routeTable(node.gateway).filter((r) => !('public' in r.security))
    for (const route of routes) {
      const make = requestFor(route.method, route.url)
      if (!make) {
        problems.push(`${route.method} ${route.url}: no request in this suite`)
        continue
      }
      const call = make(fixture)
      const attempts: Record<string, string>[] = [
        {},
        { authorization: 'Bearer not-a-token' },
        { authorization: 'Basic YTpi' },
      ]
      for (const headers of attempts) {
        const response = await send(route.method, call, headers)
        if (response.statusCode !== 401 || !response.headers['www-authenticate'])
          problems.push(`${route.method} ${route.url} ${JSON.stringify(headers)}: ${response.statusCode}`)
      }
      const anonymous = await send(route.method, call)
      if (route.method !== 'HEAD' && errorCode(anonymous) !== 'AUTH_REQUIRED')
        problems.push(`${route.method} ${route.url}: ${anonymous.body}`)
    }
    expect(routes.length).toBeGreaterThanOrEqual(19)
    expect(problems).toEqual([])
  })
})
