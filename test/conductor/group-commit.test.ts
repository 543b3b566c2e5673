import { beforeAll, expect, it } from 'vitest'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, step, terminal, uniqueWorkflow } from './support.js'

/**
 * In-process completions that arrive together are written in shared transactions (group commit); each
 * execution must still move exactly as it would alone: every step once, outputs chained, history numbered
 * without gaps.
 */
describeOnProfiles('Conductor group commit of in-process completions', (profile) => {
  let h: ConductorHarness
  const type = `group.add${process.pid}`
  const runs = new Map<string, number>()

  beforeAll(async () => {
    h = await conductorHarness(profile, { SYMPHAINY_CONDUCTOR_WORKER_CONCURRENCY: '64' })
    h.node.services.conductor.registerHandler(type, async (input, context) => {
      runs.set(context.taskId, (runs.get(context.taskId) ?? 0) + 1)
      const { n } = input as { n: number }
      return { n: n + 1 }
    })
  })

  it('runs 30 concurrent workflows of 6 chained steps, each exactly as if it ran alone', async () => {
    const name = uniqueWorkflow('group')
    await h.define({
      name,
      steps: Array.from({ length: 6 }, (_, i) => ({
        id: `s${i}`,
        type: 'task',
        task: type,
        input: i === 0 ? '{ "n": input.start }' : `{ "n": steps.s${i - 1}.output.n }`,
      })),
      output: '{ "n": steps.s5.output.n }',
    })
    const started = await Promise.all(
      Array.from({ length: 30 }, (_, i) => h.start(name, { input: { start: i * 100 } })),
    )
    const finished = await Promise.all(started.map((e) => h.waitFor(e.id, terminal)))
    finished.forEach((execution, i) => {
      expect(execution.status).toBe('completed')
      expect(execution.output).toEqual({ n: i * 100 + 6 })
      expect(step(execution, 's3')?.output).toEqual({ n: i * 100 + 4 })
    })
    expect([...runs.values()].every((count) => count === 1)).toBe(true)
    expect(runs.size).toBe(30 * 6)
    for (const execution of finished.slice(0, 5)) {
      const history = await h.history(execution.id)
      const completedSteps = history.filter((entry) => entry.type === 'step.completed').map((e) => e.stepId)
      expect(completedSteps).toEqual(['s0', 's1', 's2', 's3', 's4', 's5'])
      expect(history.at(-1)?.type).toBe('workflow.completed')
    }
  })

  it('completes tasks of several executions in one unit; a finished task is left as it is', async () => {
    const { conductor } = h.node.services
    const remote = `group.remote${process.pid}`
    const name = uniqueWorkflow('group-many')
    await h.define({
      name,
      steps: [
        { id: 'a', type: 'task', task: remote, input: '{ "n": input.n }' },
        { id: 'b', type: 'task', task: remote, input: '{ "n": steps.a.output.n }' },
      ],
    })
    const started = await Promise.all([1, 2, 3].map((n) => h.start(name, { input: { n } })))
    const claimed = await conductor.tasks.claim({ types: [remote], workerId: 'w', leaseMs: 60_000, max: 10 })
    expect(claimed).toHaveLength(3)
    const byExecution = new Map(claimed.map((task) => [task.execution_id, task.id]))
    await conductor.tasks.complete(byExecution.get(started[0]!.id)!, { n: 'first' })
    await conductor.tasks.completeMany([
      ...claimed.map((task) => ({ id: task.id, output: { n: `${task.id}-batch` } })),
      { id: claimed[1]!.id, output: { n: 'duplicate' } },
    ])
    const next = await conductor.tasks.claim({ types: [remote], workerId: 'w', leaseMs: 60_000, max: 10 })
    const inputs = new Map(next.map((task) => [task.execution_id, JSON.parse(task.input) as unknown]))
    expect(inputs.get(started[0]!.id)).toEqual({ n: 'first' })
    expect(inputs.get(started[1]!.id)).toEqual({ n: `${byExecution.get(started[1]!.id)}-batch` })
    expect(inputs.get(started[2]!.id)).toEqual({ n: `${byExecution.get(started[2]!.id)}-batch` })
    for (const execution of started) {
      const history = await h.history(execution.id)
      expect(history.filter((e) => e.type === 'step.completed').map((e) => e.stepId)).toEqual(['a'])
    }
  })
})
