import { beforeAll, expect, it } from 'vitest'
import { createManualClock } from '../../src/kernel/clock.js'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, step, terminal, uniqueWorkflow } from './support.js'

const leaseMs = 30_000

function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

/**
 * A step's task that the node creating it runs in-process has no task row: its lease lives in the step's state
 * and in the execution's wake-up. A handler that runs past a third of the lease gets its row (then heartbeats as
 * usual); a lease that ends because its node is gone becomes a queued task that another node runs.
 */
describeOnProfiles('Conductor in-process task leases', (profile) => {
  let h: ConductorHarness
  const type = `lease.work${process.pid}`
  const gates: ReturnType<typeof gate>[] = []
  const started: string[] = []

  beforeAll(async () => {
    h = await conductorHarness(profile, { SYMPHAINY_CONDUCTOR_LEASE_SECONDS: String(leaseMs / 1000) })
    h.node.services.conductor.registerHandler(type, async (_input, context) => {
      started.push(context.taskId)
      const held = gate()
      gates.push(held)
      await held.opened
      return { by: 'first node', delivery: context.delivery }
    })
  })

  const oneStep = async () => {
    const name = uniqueWorkflow('lease')
    await h.define({ name, steps: [{ id: 'work', type: 'task', task: type }] })
    return name
  }
  const running = (id: string) =>
    h.waitFor(id, (e) => step(e, 'work')?.taskId != null && started.includes(step(e, 'work')!.taskId!))

  it('runs a step of a local type without writing a task row for it', async () => {
    const execution = await h.start(await oneStep())
    const taskId = step(await running(execution.id), 'work')!.taskId!
    expect((await h.call('GET', `/api/v1/tasks/${taskId}`)).statusCode).toBe(404)
    // The lease is the execution's wake-up: at least a lease away, on a multiple of a sixth of it.
    const { wakeAt } = (await h.get(execution.id)) as unknown as { wakeAt: string }
    expect(Date.parse(wakeAt)).toBeGreaterThanOrEqual(h.clock.now() + leaseMs)
    expect(Date.parse(wakeAt)).toBeLessThan(h.clock.now() + leaseMs + leaseMs / 6)
    expect(Date.parse(wakeAt) % (leaseMs / 6)).toBe(0)
    gates.at(-1)!.open()
    const done = await h.waitFor(execution.id, terminal)
    expect(done).toMatchObject({ status: 'completed', output: { by: 'first node', delivery: 1 } })
    expect((await h.call('GET', `/api/v1/tasks/${taskId}`)).statusCode).toBe(404)
    const scheduled = (await h.history(execution.id)).filter((e) => e.type === 'task.scheduled')
    expect(scheduled.map((e) => (e.data as { taskId: string }).taskId)).toEqual([taskId])
  })

  it('gives a long-running handler its task row, leased to its node, and renews it until it finishes', async () => {
    const execution = await h.start(await oneStep())
    const taskId = step(await running(execution.id), 'work')!.taskId!
    await h.advance(leaseMs / 3)
    const written = await waitForTask(taskId, (t) => t.status === 'leased')
    expect(written).toMatchObject({ workerId: h.node.services.conductor.workerId, executionId: execution.id })
    const firstEnd = Date.parse(written.leaseExpiresAt!)
    await h.advance(leaseMs / 3)
    const renewed = await waitForTask(taskId, (t) => Date.parse(t.leaseExpiresAt!) > firstEnd)
    expect(renewed.status).toBe('leased')
    await h.advance(leaseMs / 3)
    await h.advance(leaseMs / 3)
    expect((await h.get(execution.id)).status).toBe('running')
    gates.at(-1)!.open()
    expect(await h.waitFor(execution.id, terminal)).toMatchObject({ status: 'completed' })
    expect((await h.call('GET', `/api/v1/tasks/${taskId}`)).json()).toMatchObject({ status: 'completed' })
    const types = (await h.history(execution.id)).map((e) => e.type)
    expect(types.filter((t) => t === 'task.lease_renewed')).toHaveLength(1)
    expect(types).not.toContain('task.lease_expired')
  })

  it.skipIf(!profile.canShareNodes)(
    'hands the task of a node that stopped running it to another node once its lease ends',
    async () => {
      // The second node's clock runs an hour ahead: to it, the first node's lease has ended, while the first
      // node (whose clock nobody moves) never renews it, as if it were gone.
      const second = await profile.startNode(
        { SYMPHAINY_CONDUCTOR_SWEEP_MS: '60000' },
        { clock: createManualClock(h.clock.now() + 3_600_000) },
      )
      const name = await oneStep()
      const execution = await h.start(name)
      const taskId = step(await running(execution.id), 'work')!.taskId!
      second.services.conductor.registerHandler(type, async () => ({ by: 'second node' }))
      await second.services.conductor.runDue()
      const done = await h.waitFor(execution.id, terminal)
      expect(done).toMatchObject({ status: 'completed', output: { by: 'second node' } })
      const task = await waitForTask(taskId, (t) => t.status === 'completed')
      expect(task.workerId).toBe(second.services.conductor.workerId)
      gates.at(-1)!.open()
      // The first node's late result is recorded and ignored: the step was done.
      const types = (await waitForHistory(execution.id, 'task.ignored')).map((e) => e.type)
      expect(types.filter((t) => t === 'task.lease_expired')).toHaveLength(1)
      expect((await h.get(execution.id)).output).toEqual({ by: 'second node' })
    },
  )

  interface TaskBody {
    status: string
    workerId: string | null
    executionId: string | null
    leaseExpiresAt: string | null
  }

  async function waitForHistory(id: string, type: string) {
    for (let i = 0; i < 300; i++) {
      const history = await h.history(id)
      if (history.some((e) => e.type === type)) return history
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`execution ${id} never recorded ${type}`)
  }

  async function waitForTask(id: string, until: (task: TaskBody) => boolean): Promise<TaskBody> {
    let last: unknown
    for (let i = 0; i < 300; i++) {
      const response = await h.call('GET', `/api/v1/tasks/${id}`)
      last = response.body
      if (response.statusCode === 200 && until(response.json<TaskBody>())) return response.json<TaskBody>()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`task ${id} never reached the expected state; last: ${String(last)}`)
  }
})
