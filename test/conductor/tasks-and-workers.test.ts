import { beforeAll, expect, it } from 'vitest'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, step, terminal, uniqueWorkflow } from './support.js'

interface TaskBody {
  id: string
  type: string
  status: string
  input: unknown
  output: unknown
  attempt: number
  deliveries: number
  workerId: string | null
  executionId: string | null
}

describeOnProfiles('Conductor tasks and remote workers', (profile) => {
  let h: ConductorHarness
  let stranger: Account
  let worker: Account
  let types = 0
  const uniqueType = () => `remote.t${process.pid}x${++types}`

  const poll = async (body: Record<string, unknown>, who?: Account) => {
    const response = await h.call('POST', '/api/v1/tasks/poll', body, who)
    expect(response.statusCode, response.body).toBe(200)
    return response.json<{ tasks: TaskBody[] }>().tasks
  }

  beforeAll(async () => {
    h = await conductorHarness(profile)
    stranger = await signUp(h.node.gateway)
    worker = await addUser(h.node.gateway, h.owner, ['member'], 'worker')
  })

  it('leases a task to one worker; others see nothing until the lease runs out, then it is redelivered', async () => {
    const type = uniqueType()
    const created = await h.call('POST', '/api/v1/tasks', { type, input: { n: 1 } })
    expect(created.statusCode).toBe(201)
    const first = await poll({ types: [type], workerId: 'w1', leaseSeconds: 30 }, worker)
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({ status: 'leased', workerId: 'w1', input: { n: 1 }, deliveries: 1 })
    expect(await poll({ types: [type], workerId: 'w2' })).toHaveLength(0)
    await h.advance(29_999)
    expect(await poll({ types: [type], workerId: 'w2' })).toHaveLength(0)
    await h.advance(1)
    const again = await poll({ types: [type], workerId: 'w2', leaseSeconds: 30 })
    expect(again[0]).toMatchObject({ id: first[0]!.id, workerId: 'w2', deliveries: 2 })
    const lost = await h.call('POST', `/api/v1/tasks/${first[0]!.id}/heartbeat`, { workerId: 'w1' })
    expect(lost.statusCode).toBe(409)
    expect(errorCode(lost)).toBe('TASK_LEASE_LOST')
  })

  it('extends a lease on heartbeat', async () => {
    const type = uniqueType()
    await h.call('POST', '/api/v1/tasks', { type })
    const [task] = await poll({ types: [type], workerId: 'w1', leaseSeconds: 10 })
    await h.advance(9_000)
    const beat = await h.call('POST', `/api/v1/tasks/${task!.id}/heartbeat`, {
      workerId: 'w1',
      leaseSeconds: 10,
    })
    expect(beat.statusCode).toBe(200)
    await h.advance(9_000)
    expect(await poll({ types: [type], workerId: 'w2' })).toHaveLength(0)
    await h.advance(1_000)
    expect(await poll({ types: [type], workerId: 'w2' })).toHaveLength(1)
  })

  it('treats completing a task twice as a no-op, and a worker completion moves its workflow on once', async () => {
    const type = uniqueType()
    const name = uniqueWorkflow('remote')
    await h.define({
      name,
      steps: [
        { id: 'a', type: 'task', task: type, input: '{"x": input.x}' },
        { id: 'b', type: 'task', task: type, input: '{"x": steps.a.output.y}' },
      ],
    })
    const started = await h.start(name, { input: { x: 2 } })
    const [a] = await poll({ types: [type], workerId: 'w' })
    expect(a).toMatchObject({ input: { x: 2 }, executionId: started.id })
    const completions = await Promise.all(
      [1, 2, 3].map(() => h.call('POST', `/api/v1/tasks/${a!.id}/complete`, { output: { y: 3 } })),
    )
    expect(completions.map((r) => r.statusCode)).toEqual([200, 200, 200])
    const late = await h.call('POST', `/api/v1/tasks/${a!.id}/complete`, { output: { y: 999 } })
    expect(late.json().output).toEqual({ y: 3 })
    const [b] = await poll({ types: [type], workerId: 'w' })
    expect(b!.input).toEqual({ x: 3 })
    expect(await poll({ types: [type], workerId: 'w' })).toHaveLength(0)
    await h.call('POST', `/api/v1/tasks/${b!.id}/complete`, { output: 'end' })
    const done = await h.get(started.id)
    expect(done.status).toBe('completed')
    const scheduled = (await h.history(started.id)).filter((e) => e.type === 'task.scheduled')
    expect(scheduled).toHaveLength(2)
  })

  it('retries a failed standalone task with backoff up to maxAttempts; a non-retryable failure ends it', async () => {
    const type = uniqueType()
    const created = (await h.call('POST', '/api/v1/tasks', { type, maxAttempts: 2 })).json<TaskBody>()
    const [first] = await poll({ types: [type], workerId: 'w' })
    await h.call('POST', `/api/v1/tasks/${first!.id}/fail`, { error: 'timeout talking to the bank' })
    expect((await h.call('GET', `/api/v1/tasks/${created.id}`)).json()).toMatchObject({
      status: 'queued',
      attempt: 2,
    })
    expect(await poll({ types: [type], workerId: 'w' })).toHaveLength(0)
    await h.advance(1_000)
    const [second] = await poll({ types: [type], workerId: 'w' })
    expect(second!.attempt).toBe(2)
    await h.call('POST', `/api/v1/tasks/${second!.id}/fail`, {
      error: { code: 'BANK_DOWN', message: 'still down' },
    })
    const failed = (await h.call('GET', `/api/v1/tasks/${created.id}`)).json()
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'BANK_DOWN', message: 'still down' } })

    const other = (await h.call('POST', '/api/v1/tasks', { type, maxAttempts: 5 })).json<TaskBody>()
    await poll({ types: [type], workerId: 'w' })
    await h.call('POST', `/api/v1/tasks/${other.id}/fail`, { error: 'malformed', retryable: false })
    expect((await h.call('GET', `/api/v1/tasks/${other.id}`)).json().status).toBe('failed')
  })

  it('wakes a long-polling worker when a task arrives', async () => {
    const type = uniqueType()
    const waiting = poll({ types: [type], workerId: 'w', waitSeconds: 20 })
    for (let i = 0; i < 200 && h.node.services.conductor.waiters.size() === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await h.call('POST', '/api/v1/tasks', { type, input: 'hello' })
    const tasks = await waiting
    expect(tasks.map((t) => t.input)).toEqual(['hello'])
  })

  it("never hands out or shows another tenant's tasks", async () => {
    const type = uniqueType()
    const mine = (await h.call('POST', '/api/v1/tasks', { type })).json<TaskBody>()
    expect(await poll({ types: [type], workerId: 'spy' }, stranger)).toHaveLength(0)
    for (const [method, url, body] of [
      ['GET', `/api/v1/tasks/${mine.id}`, undefined],
      ['POST', `/api/v1/tasks/${mine.id}/complete`, { output: 1 }],
      ['POST', `/api/v1/tasks/${mine.id}/fail`, { error: 'x' }],
      ['POST', `/api/v1/tasks/${mine.id}/heartbeat`, { workerId: 'spy' }],
    ] as const) {
      const response = await h.call(method, url, body, stranger)
      expect(response.statusCode, url).toBe(404)
    }
    expect(await poll({ types: [type], workerId: 'w' })).toHaveLength(1)
  })

  it('runs a remote step through a poll-complete cycle with a retry policy on failure', async () => {
    const type = uniqueType()
    const name = uniqueWorkflow('remote-retry')
    await h.define({
      name,
      steps: [
        {
          id: 'call',
          type: 'task',
          task: type,
          retry: { maxAttempts: 2, backoff: 'fixed', delaySeconds: 5 },
        },
      ],
    })
    const started = await h.start(name)
    const [attempt1] = await poll({ types: [type], workerId: 'w' })
    await h.call('POST', `/api/v1/tasks/${attempt1!.id}/fail`, { error: 'flaky' })
    expect(step(await h.get(started.id), 'call')?.status).toBe('retrying')
    await h.advance(5_000)
    const [attempt2] = await poll({ types: [type], workerId: 'w' })
    expect(attempt2!.id).not.toBe(attempt1!.id)
    await h.call('POST', `/api/v1/tasks/${attempt2!.id}/complete`, { output: 'ok' })
    expect((await h.waitFor(started.id, terminal)).output).toBe('ok')
  })
})
