import { beforeAll, expect, it } from 'vitest'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, step, terminal, uniqueWorkflow } from './support.js'

describeOnProfiles('Conductor operations and compensation', (profile) => {
  let h: ConductorHarness
  const log: string[] = []
  let failCharge = true

  beforeAll(async () => {
    h = await conductorHarness(profile)
    const { conductor } = h.node.services
    const record = (label: string) => async (input: unknown) => {
      log.push(`${label}:${JSON.stringify(input)}`)
      return { done: label }
    }
    conductor.registerHandler('reserve', record('reserve'))
    conductor.registerHandler('release', record('release'))
    conductor.registerHandler('book', record('book'))
    conductor.registerHandler('unbook', record('unbook'))
    conductor.registerHandler('charge', async () => {
      if (failCharge) throw Object.assign(new Error('card declined'), { retryable: false })
      log.push('charge')
      return { charged: true }
    })
  })

  const saga = (name: string, last: Record<string, unknown>) => ({
    name,
    steps: [
      {
        id: 'reserve',
        type: 'task',
        task: 'reserve',
        input: '{"item": input.item}',
        compensate: { task: 'release', input: '{"item": step.input.item, "was": step.output.done}' },
      },
      { id: 'note', type: 'set', variables: '{"reserved": true}' },
      { id: 'book', type: 'task', task: 'book', compensate: { task: 'unbook' } },
      last,
    ],
  })

  it('compensates completed steps in reverse order when a step fails, then fails', async () => {
    const name = uniqueWorkflow('saga')
    await h.define(saga(name, { id: 'charge', type: 'task', task: 'charge' }))
    log.length = 0
    const done = await h.waitFor((await h.start(name, { input: { item: 'seat-7' } })).id, terminal)
    expect(done.status).toBe('failed')
    expect(done.error).toEqual({ code: 'TASK_FAILED', message: 'card declined' })
    expect(log.map((l) => l.split(':')[0])).toEqual(['reserve', 'book', 'unbook', 'release'])
    expect(log[3]).toBe('release:{"item":"seat-7","was":"reserve"}')
    expect(step(done, 'reserve')?.status).toBe('compensated')
    expect(step(done, 'book')?.status).toBe('compensated')
    const types = (await h.history(done.id)).map((e) => e.type)
    expect(types.slice(-4)).toEqual([
      'compensation.step_completed',
      'compensation.scheduled',
      'compensation.step_completed',
      'workflow.failed',
    ])
  })

  it('retries a failed execution from the failed step (compensated steps run again)', async () => {
    const name = uniqueWorkflow('retry')
    await h.define(saga(name, { id: 'charge', type: 'task', task: 'charge' }))
    failCharge = true
    const failed = await h.waitFor((await h.start(name, { input: { item: 'x' } })).id, terminal)
    expect(failed.status).toBe('failed')
    failCharge = false
    log.length = 0
    const retried = await h.call('POST', `/api/v1/executions/${failed.id}/retry`)
    expect(retried.statusCode).toBe(200)
    const done = await h.waitFor(failed.id, terminal)
    expect(done.status).toBe('completed')
    expect(log.map((l) => l.split(':')[0])).toEqual(['reserve', 'book', 'charge'])
    const again = await h.call('POST', `/api/v1/executions/${failed.id}/retry`)
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('EXECUTION_STATE_CONFLICT')
  })

  it('cancels a running execution: its task is cancelled and completed steps are compensated', async () => {
    const name = uniqueWorkflow('cancel')
    await h.define(saga(name, { id: 'approve', type: 'task', task: 'remote.approval' }))
    log.length = 0
    const started = await h.start(name, { input: { item: 'y' } })
    const waiting = await h.waitFor(started.id, (e) => step(e, 'approve')?.status === 'running')
    const taskId = step(waiting, 'approve')!.taskId!
    const cancelled = await h.call('POST', `/api/v1/executions/${started.id}/cancel`, {
      reason: 'customer left',
    })
    expect(cancelled.statusCode).toBe(200)
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('cancelled')
    expect(done.error).toEqual({ code: 'CANCELLED', message: 'customer left' })
    expect(log.map((l) => l.split(':')[0])).toEqual(['reserve', 'book', 'unbook', 'release'])
    expect((await h.call('GET', `/api/v1/tasks/${taskId}`)).json().status).toBe('cancelled')
    const twice = await h.call('POST', `/api/v1/executions/${started.id}/cancel`)
    expect(twice.statusCode).toBe(409)
  })

  it('pauses (no new step starts, running work may finish) and resumes', async () => {
    const name = uniqueWorkflow('pause')
    await h.define({
      name,
      steps: [
        { id: 'first', type: 'task', task: 'remote.first' },
        { id: 'second', type: 'task', task: 'book' },
      ],
    })
    const started = await h.start(name)
    const taskId = step(started, 'first')!.taskId!
    expect((await h.call('POST', `/api/v1/executions/${started.id}/pause`)).json().status).toBe('paused')
    expect((await h.call('POST', `/api/v1/executions/${started.id}/pause`)).statusCode).toBe(409)
    expect((await h.call('POST', `/api/v1/tasks/${taskId}/complete`, { output: 1 })).statusCode).toBe(200)
    const paused = await h.get(started.id)
    expect(paused.status).toBe('paused')
    expect(step(paused, 'first')?.status).toBe('completed')
    expect(step(paused, 'second')).toBeUndefined()
    expect((await h.call('POST', `/api/v1/executions/${started.id}/resume`)).statusCode).toBe(200)
    expect((await h.waitFor(started.id, terminal)).status).toBe('completed')
    expect((await h.call('POST', `/api/v1/executions/${started.id}/resume`)).statusCode).toBe(409)
  })

  it('skips a step with a given output, and skipping revives a failed execution', async () => {
    const name = uniqueWorkflow('skip')
    await h.define({
      name,
      steps: [
        { id: 'stuck', type: 'task', task: 'remote.stuck' },
        { id: 'declined', type: 'task', task: 'charge' },
        {
          id: 'after',
          type: 'task',
          task: 'book',
          input: '{"from": steps.stuck.output, "charge": steps.declined.output}',
        },
      ],
    })
    failCharge = true
    const started = await h.start(name)
    const skip = await h.call('POST', `/api/v1/executions/${started.id}/steps/stuck/skip`, {
      output: 'manual',
    })
    expect(skip.statusCode).toBe(200)
    const failed = await h.waitFor(started.id, terminal)
    expect(failed.status).toBe('failed')
    log.length = 0
    await h.call('POST', `/api/v1/executions/${started.id}/steps/declined/skip`, { output: 'waived' })
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('completed')
    expect(log).toEqual(['book:{"from":"manual","charge":"waived"}'])
    const completedStep = await h.call('POST', `/api/v1/executions/${started.id}/steps/after/skip`)
    expect(completedStep.statusCode).toBe(409)
  })

  it('delivers each signal to one waiting step, in the order sent', async () => {
    const name = uniqueWorkflow('signals')
    await h.define({
      name,
      output: '[steps.one.output, steps.two.output]',
      steps: [
        { id: 'one', type: 'wait', signal: 'go' },
        { id: 'two', type: 'wait', signal: 'go' },
      ],
    })
    const started = await h.start(name)
    for (const n of [1, 2, 3]) {
      const sent = await h.call('POST', `/api/v1/executions/${started.id}/signals/go`, { payload: n })
      if (n < 3) expect(sent.statusCode).toBe(200)
      else expect(sent.statusCode).toBe(409)
    }
    const done = await h.get(started.id)
    expect(done.output).toEqual([1, 2])
  })

  it('starts one execution for 20 concurrent starts with the same idempotency key', async () => {
    const name = uniqueWorkflow('idem')
    await h.define({ name, steps: [{ id: 'w', type: 'human' }] })
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.call('POST', `/api/v1/workflows/${name}/executions`, {
          idempotencyKey: 'order-42',
          input: { n: 1 },
        }),
      ),
    )
    const ids = new Set(responses.map((r) => r.json<{ id: string }>().id))
    expect(ids.size).toBe(1)
    expect(responses.filter((r) => r.statusCode === 202)).toHaveLength(1)
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(19)
    const listed = await h.call('GET', `/api/v1/executions?workflow=${name}`)
    expect(listed.json().items).toHaveLength(1)
    const other = uniqueWorkflow('idem-other')
    await h.define({ name: other, steps: [{ id: 'w', type: 'human' }] })
    const reused = await h.call('POST', `/api/v1/workflows/${other}/executions`, {
      idempotencyKey: 'order-42',
    })
    expect(reused.statusCode).toBe(409)
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED')
  })

  it('lists executions newest first, page by page', async () => {
    const name = uniqueWorkflow('listed')
    await h.define({ name, steps: [{ id: 'w', type: 'human' }] })
    const started: string[] = []
    for (let i = 0; i < 3; i++) {
      started.push((await h.start(name)).id)
      h.clock.advance(1)
    }
    const first = (await h.call('GET', `/api/v1/executions?workflow=${name}&limit=2`)).json()
    expect(first.items.map((e: { id: string }) => e.id)).toEqual([started[2], started[1]])
    const cursor = encodeURIComponent(first.nextCursor)
    const second = (
      await h.call('GET', `/api/v1/executions?workflow=${name}&limit=2&cursor=${cursor}`)
    ).json()
    expect(second.items.map((e: { id: string }) => e.id)).toEqual([started[0]])
    expect(second.nextCursor).toBeNull()
  })

  it('keeps a running execution on the version it started with', async () => {
    const name = uniqueWorkflow('pinned')
    await h.define({
      name,
      steps: [
        { id: 'gate', type: 'human' },
        { id: 'v', type: 'set', variables: '{"v": 1}' },
      ],
    })
    const old = await h.start(name)
    const v2 = await h.define({
      name,
      steps: [
        { id: 'gate', type: 'human' },
        { id: 'v', type: 'set', variables: '{"v": 2}' },
      ],
    })
    expect(v2.version).toBe(2)
    const fresh = await h.start(name)
    expect(fresh.version).toBe(2)
    for (const id of [old.id, fresh.id]) {
      await h.call('POST', `/api/v1/executions/${id}/steps/gate/complete`, { output: null })
    }
    expect((await h.get(old.id)).variables).toEqual({ v: 1 })
    expect((await h.get(fresh.id)).variables).toEqual({ v: 2 })
    const pinned = await h.call('POST', `/api/v1/workflows/${name}/executions`, { version: 1 })
    expect(pinned.json().version).toBe(1)
  })
})
