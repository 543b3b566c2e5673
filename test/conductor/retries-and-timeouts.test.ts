import { beforeAll, expect, it } from 'vitest'
import { createManualClock } from '../../src/kernel/clock.js'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, step, terminal, uniqueWorkflow } from './support.js'

describeOnProfiles('Conductor retries and timeouts', (profile) => {
  let h: ConductorHarness
  const attemptsAt = new Map<string, number[]>()
  const failuresLeft = new Map<string, number>()

  beforeAll(async () => {
    h = await conductorHarness(profile)
    h.node.services.conductor.registerHandler('flaky', async (input) => {
      const { key } = input as { key: string }
      attemptsAt.set(key, [...(attemptsAt.get(key) ?? []), h.clock.now()])
      const left = failuresLeft.get(key) ?? 0
      if (left > 0) {
        failuresLeft.set(key, left - 1)
        throw new Error(`failing on purpose, ${left} to go`)
      }
      return { ok: key }
    })
    h.node.services.conductor.registerHandler('broken', async () => {
      throw Object.assign(new Error('bad request to the ledger'), {
        retryable: false,
        code: 'LEDGER_REFUSED',
      })
    })
  })

  async function attempts(key: string, count: number) {
    for (let i = 0; i < 500 && (attemptsAt.get(key)?.length ?? 0) < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    return attemptsAt.get(key) ?? []
  }

  it('retries with fixed backoff exactly on time (manual clock) and then succeeds', async () => {
    const name = uniqueWorkflow('fixed')
    const key = `${name}-k`
    failuresLeft.set(key, 2)
    await h.define({
      name,
      steps: [
        {
          id: 'call',
          type: 'task',
          task: 'flaky',
          input: '{"key": input.key}',
          retry: { maxAttempts: 3, backoff: 'fixed', delaySeconds: 10 },
        },
      ],
    })
    const started = await h.start(name, { input: { key } })
    const t0 = (await attempts(key, 1))[0]!
    const afterFirst = await h.waitFor(started.id, (e) => step(e, 'call')?.status === 'retrying')
    expect(step(afterFirst, 'call')?.attempt).toBe(1)
    await h.advance(9_999)
    expect(attemptsAt.get(key)).toHaveLength(1)
    await h.advance(1)
    expect((await attempts(key, 2))[1]! - t0).toBe(10_000)
    await h.waitFor(
      started.id,
      (e) => step(e, 'call')?.status === 'retrying' && step(e, 'call')?.attempt === 2,
    )
    await h.advance(10_000)
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('completed')
    expect(step(done, 'call')?.attempt).toBe(3)
    const times = attemptsAt.get(key)!
    expect(times.map((t) => t - t0)).toEqual([0, 10_000, 20_000])
  })

  it('backs off exponentially up to the cap, and fails when attempts run out', async () => {
    const name = uniqueWorkflow('exponential')
    const key = `${name}-k`
    failuresLeft.set(key, 99)
    await h.define({
      name,
      steps: [
        {
          id: 'call',
          type: 'task',
          task: 'flaky',
          input: '{"key": input.key}',
          retry: { maxAttempts: 5, backoff: 'exponential', delaySeconds: 1, maxDelaySeconds: 5 },
        },
      ],
    })
    const started = await h.start(name, { input: { key } })
    const expectedGaps = [1000, 2000, 4000, 5000]
    for (const [index, gap] of expectedGaps.entries()) {
      await h.waitFor(
        started.id,
        (e) => step(e, 'call')?.status === 'retrying' && step(e, 'call')?.attempt === index + 1,
      )
      await h.advance(gap - 1)
      expect(attemptsAt.get(key)).toHaveLength(index + 1)
      await h.advance(1)
      await attempts(key, index + 2)
    }
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('failed')
    expect(step(done, 'call')?.attempt).toBe(5)
    const times = attemptsAt.get(key)!
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual(expectedGaps)
  })

  it('does not retry a failure marked not retryable', async () => {
    const name = uniqueWorkflow('permanent')
    await h.define({
      name,
      steps: [
        {
          id: 'call',
          type: 'task',
          task: 'broken',
          retry: { maxAttempts: 5, backoff: 'fixed', delaySeconds: 1 },
        },
      ],
    })
    const done = await h.waitFor((await h.start(name)).id, terminal)
    expect(done.status).toBe('failed')
    expect(step(done, 'call')?.attempt).toBe(1)
    expect(step(done, 'call')?.error).toEqual({
      code: 'LEDGER_REFUSED',
      message: 'bad request to the ledger',
    })
  })

  it('times out an attempt nobody finishes, retries it, and ignores the late completion', async () => {
    const name = uniqueWorkflow('step-timeout')
    await h.define({
      name,
      steps: [
        {
          id: 'slow',
          type: 'task',
          task: 'remote.slow',
          timeoutSeconds: 30,
          retry: { maxAttempts: 2, backoff: 'fixed', delaySeconds: 0 },
        },
      ],
    })
    const started = await h.start(name)
    const firstTask = step(started, 'slow')!.taskId!
    await h.advance(30_000)
    const retried = await h.get(started.id)
    expect(step(retried, 'slow')?.attempt).toBe(2)
    expect(step(retried, 'slow')?.taskId).not.toBe(firstTask)
    const cancelled = await h.call('GET', `/api/v1/tasks/${firstTask}`)
    expect(cancelled.json().status).toBe('cancelled')
    const late = await h.call('POST', `/api/v1/tasks/${firstTask}/complete`, { output: 'late' })
    expect(late.statusCode).toBe(200)
    expect(late.json().status).toBe('cancelled')
    await h.advance(30_000)
    const done = await h.get(started.id)
    expect(done.status).toBe('failed')
    expect(step(done, 'slow')?.error?.code).toBe('STEP_TIMED_OUT')
    const types = (await h.history(started.id)).map((e) => e.type)
    expect(types.filter((t) => t === 'step.timed_out')).toHaveLength(2)
  })

  it('times out the whole workflow', async () => {
    const name = uniqueWorkflow('wf-timeout')
    await h.define({ name, timeoutSeconds: 60, steps: [{ id: 'forever', type: 'wait', signal: 'never' }] })
    const started = await h.start(name)
    await h.advance(59_999)
    expect((await h.get(started.id)).status).toBe('running')
    await h.advance(1)
    const done = await h.get(started.id)
    expect(done.status).toBe('timed_out')
    expect(done.error?.code).toBe('WORKFLOW_TIMED_OUT')
    expect(step(done, 'forever')?.status).toBe('cancelled')
  })

  it('keeps timers in rows: another node fires a timer armed on the first', async () => {
    if (!profile.canShareNodes) return
    const name = uniqueWorkflow('durable-timer')
    await h.define({ name, steps: [{ id: 'nap', type: 'wait', seconds: 3600 }] })
    const started = await h.start(name)
    // The other node's own clock is an hour ahead; the first node's clock does not move, so only the other node
    // can fire the timer, and only from the row (a shared clock let the first node's sweep race it).
    const later = createManualClock(h.clock.now() + 3_600_000)
    const other = await profile.startNode({ SYMPHAINY_CONDUCTOR_SWEEP_MS: '60000' }, { clock: later })
    await other.services.conductor.runDue()
    expect((await h.get(started.id)).status).toBe('completed')
  })
})
