import { beforeAll, expect, it } from 'vitest'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, terminal, uniqueWorkflow } from './support.js'

describeOnProfiles('Conductor status events through the Post Office', (profile) => {
  let h: ConductorHarness

  beforeAll(async () => {
    h = await conductorHarness(profile)
  })

  async function received(mailbox: string) {
    await h.node.services.postOffice.dispatcher.runOnce()
    const response = await h.call('GET', `/api/v1/mailboxes/${mailbox}/messages?max=50`)
    expect(response.statusCode, response.body).toBe(200)
    return response.json<{ items: { type: string; payload: Record<string, unknown> }[] }>().items
  }

  it('announces start, pause, resume and completion of an execution, in the tenant only', async () => {
    const mailbox = `wf-events-${process.pid}`
    const subscribed = await h.call('POST', '/api/v1/subscriptions', {
      pattern: 'workflow.#',
      target: { kind: 'mailbox', mailbox },
    })
    expect(subscribed.statusCode, subscribed.body).toBe(201)
    const name = uniqueWorkflow('announced')
    await h.define({ name, output: 'steps.gate.output', steps: [{ id: 'gate', type: 'human' }] })
    const started = await h.start(name, { correlationId: 'order-9' })
    await h.call('POST', `/api/v1/executions/${started.id}/pause`)
    await h.call('POST', `/api/v1/executions/${started.id}/resume`)
    await h.call('POST', `/api/v1/executions/${started.id}/steps/gate/complete`, { output: 'ok' })
    await h.waitFor(started.id, terminal)
    const events = (await received(mailbox)).filter((m) => m.payload['executionId'] === started.id)
    // Mailbox delivery keeps no order across dispatch passes (see README), so the set is compared.
    expect(events.map((m) => m.type).sort()).toEqual([
      'workflow.completed',
      'workflow.paused',
      'workflow.resumed',
      'workflow.started',
    ])
    expect(events.find((m) => m.type === 'workflow.completed')!.payload).toMatchObject({
      workflow: name,
      status: 'completed',
      correlationId: 'order-9',
      output: 'ok',
      error: null,
    })
  })

  it('announces a failure once compensation is over', async () => {
    const mailbox = `wf-failures-${process.pid}`
    await h.call('POST', '/api/v1/subscriptions', {
      pattern: 'workflow.failed',
      target: { kind: 'mailbox', mailbox },
    })
    const name = uniqueWorkflow('fails')
    await h.define({ name, steps: [{ id: 'stop', type: 'terminate', status: 'failed', reason: 'no stock' }] })
    const done = await h.waitFor((await h.start(name)).id, terminal)
    const events = (await received(mailbox)).filter((m) => m.payload['executionId'] === done.id)
    expect(events).toHaveLength(1)
    expect(events[0]!.payload['error']).toEqual({ code: 'TERMINATED', message: 'no stock' })
  })
})
