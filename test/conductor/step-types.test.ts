import { beforeAll, expect, it } from 'vitest'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, step, terminal, uniqueWorkflow } from './support.js'

describeOnProfiles('Conductor step types', (profile) => {
  let h: ConductorHarness
  const calls: { type: string; input: unknown }[] = []

  beforeAll(async () => {
    h = await conductorHarness(profile)
    const { conductor } = h.node.services
    conductor.registerHandler('math.add', async (input) => {
      const { a, b } = input as { a: number; b: number }
      calls.push({ type: 'math.add', input })
      return { sum: a + b }
    })
    conductor.registerHandler('echo', async (input) => {
      calls.push({ type: 'echo', input })
      return input
    })
  })

  it('runs task steps in order with JSONata input and output mappings', async () => {
    const name = uniqueWorkflow('tasks')
    await h.define({
      name,
      output: '{ "total": steps.second.output.sum }',
      steps: [
        { id: 'first', type: 'task', task: 'math.add', input: '{ "a": input.x, "b": 1 }' },
        { id: 'second', type: 'task', task: 'math.add', input: '{ "a": steps.first.output.sum, "b": 10 }' },
      ],
    })
    const started = await h.start(name, { input: { x: 5 } })
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ total: 16 })
    expect(step(done, 'first')?.output).toEqual({ sum: 6 })
    const types = (await h.history(done.id)).map((e) => e.type)
    expect(types[0]).toBe('workflow.started')
    expect(types.at(-1)).toBe('workflow.completed')
    expect(types.filter((t) => t === 'step.completed')).toHaveLength(2)
  })

  it('takes the first switch case whose condition holds, else the default', async () => {
    const name = uniqueWorkflow('switch')
    await h.define({
      name,
      steps: [
        {
          id: 'route',
          type: 'switch',
          cases: [
            {
              when: 'input.amount > 1000',
              steps: [{ id: 'big', type: 'task', task: 'echo', input: '"big"' }],
            },
            {
              when: 'input.amount > 100',
              steps: [{ id: 'medium', type: 'task', task: 'echo', input: '"medium"' }],
            },
          ],
          default: [{ id: 'small', type: 'task', task: 'echo', input: '"small"' }],
        },
      ],
    })
    const outputs = []
    for (const amount of [5000, 500, 5]) {
      const started = await h.start(name, { input: { amount } })
      const done = await h.waitFor(started.id, terminal)
      expect(done.status).toBe('completed')
      outputs.push(done.output)
    }
    expect(outputs).toEqual(['big', 'medium', 'small'])
  })

  it('forks parallel branches and joins all of them, outputs in branch order', async () => {
    const name = uniqueWorkflow('parallel')
    await h.define({
      name,
      steps: [
        {
          id: 'fan',
          type: 'parallel',
          branches: [
            [{ id: 'left', type: 'task', task: 'math.add', input: '{"a": 1, "b": 1}' }],
            [
              { id: 'right1', type: 'task', task: 'math.add', input: '{"a": 2, "b": 2}' },
              {
                id: 'right2',
                type: 'task',
                task: 'math.add',
                input: '{"a": steps.right1.output.sum, "b": 2}',
              },
            ],
          ],
        },
        { id: 'after', type: 'task', task: 'echo', input: 'steps.fan.output' },
      ],
    })
    const done = await h.waitFor((await h.start(name)).id, terminal)
    expect(done.status).toBe('completed')
    expect(done.output).toEqual([{ sum: 2 }, { sum: 6 }])
  })

  it('waits for a duration, until a time, and for a named signal (kept when it comes early)', async () => {
    const name = uniqueWorkflow('waits')
    await h.define({
      name,
      steps: [
        { id: 'pause', type: 'wait', seconds: 60 },
        { id: 'until', type: 'wait', until: 'input.at' },
        { id: 'approval', type: 'wait', signal: 'approved' },
        { id: 'done', type: 'task', task: 'echo', input: 'steps.approval.output' },
      ],
    })
    const at = new Date(h.clock.now() + 120_000).toISOString()
    const started = await h.start(name, { input: { at } })
    expect(step(started, 'pause')?.status).toBe('waiting')
    await h.advance(59_999)
    expect(step(await h.get(started.id), 'pause')?.status).toBe('waiting')
    // A signal that arrives before its wait step is kept for it.
    const early = await h.call('POST', `/api/v1/executions/${started.id}/signals/approved`, {
      payload: { by: 'ann' },
    })
    expect(early.statusCode).toBe(200)
    await h.advance(1)
    const waitingUntil = await h.get(started.id)
    expect(step(waitingUntil, 'pause')?.status).toBe('completed')
    expect(step(waitingUntil, 'until')?.status).toBe('waiting')
    await h.advance(60_000)
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ by: 'ann' })
  })

  it('completes a human step through the API and refuses to complete it twice', async () => {
    const name = uniqueWorkflow('human')
    await h.define({
      name,
      steps: [
        { id: 'review', type: 'human', description: 'Check the figures' },
        { id: 'after', type: 'task', task: 'remote.nobody-polls', input: 'steps.review.output' },
      ],
    })
    const started = await h.start(name)
    expect(step(started, 'review')?.status).toBe('waiting')
    const url = `/api/v1/executions/${started.id}/steps/review/complete`
    expect((await h.call('POST', url, { output: { ok: true } })).statusCode).toBe(200)
    const again = await h.call('POST', url, { output: { ok: false } })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('STEP_STATE_CONFLICT')
    const running = await h.get(started.id)
    expect(step(running, 'review')?.output).toEqual({ ok: true })
    expect(step(running, 'after')?.input).toEqual({ ok: true })
    const missing = await h.call('POST', `/api/v1/executions/${started.id}/steps/nope/complete`, {
      output: 1,
    })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.code).toBe('STEP_NOT_FOUND')
  })

  it('runs a sub-workflow and continues with its output', async () => {
    const child = uniqueWorkflow('child')
    await h.define({
      name: child,
      output: 'steps.add.output',
      steps: [{ id: 'add', type: 'task', task: 'math.add', input: '{"a": input.n, "b": 100}' }],
    })
    const parent = uniqueWorkflow('parent')
    await h.define({
      name: parent,
      steps: [
        { id: 'sub', type: 'subworkflow', workflow: child, input: '{"n": input.n}' },
        { id: 'after', type: 'task', task: 'echo', input: 'steps.sub.output' },
      ],
    })
    const started = await h.start(parent, { input: { n: 1 } })
    const childId = step(started, 'sub')?.childId
    expect(childId).toBeTruthy()
    await h.waitFor(childId!, terminal)
    await h.node.services.conductor.runDue()
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ sum: 101 })
  })

  it('fails a sub-workflow step at once when the workflow does not exist', async () => {
    const parent = uniqueWorkflow('orphan')
    await h.define({ name: parent, steps: [{ id: 'sub', type: 'subworkflow', workflow: 'does-not-exist' }] })
    const done = await h.waitFor((await h.start(parent)).id, terminal)
    expect(done.status).toBe('failed')
    expect(step(done, 'sub')?.error?.code).toBe('WORKFLOW_NOT_FOUND')
  })

  it('loops while its condition holds, up to maxIterations, and sets variables', async () => {
    const name = uniqueWorkflow('loop')
    await h.define({
      name,
      variables: { count: 0 },
      output: 'variables',
      steps: [
        {
          id: 'repeat',
          type: 'loop',
          maxIterations: 10,
          while: 'iteration < 3',
          steps: [
            { id: 'bump', type: 'set', variables: '{ "count": variables.count + 1 }' },
            { id: 'work', type: 'task', task: 'math.add', input: '{"a": variables.count, "b": 0}' },
          ],
        },
      ],
    })
    const done = await h.waitFor((await h.start(name)).id, terminal)
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ count: 3 })
    expect(step(done, 'repeat')?.output).toEqual({ iterations: 3 })

    const runaway = uniqueWorkflow('runaway')
    await h.define({
      name: runaway,
      steps: [
        {
          id: 'spin',
          type: 'loop',
          maxIterations: 5,
          while: 'true',
          steps: [{ id: 'noop', type: 'set', variables: '{}' }],
        },
      ],
    })
    const stopped = await h.waitFor((await h.start(runaway)).id, terminal)
    expect(stopped.status).toBe('failed')
    expect(stopped.error?.code).toBe('LOOP_LIMIT')
  })

  it('ends early with terminate, completed or failed', async () => {
    const name = uniqueWorkflow('terminate')
    await h.define({
      name,
      steps: [
        {
          id: 'check',
          type: 'switch',
          cases: [
            {
              when: 'input.bad',
              steps: [{ id: 'stop', type: 'terminate', status: 'failed', reason: 'bad input' }],
            },
          ],
        },
        { id: 'finish', type: 'terminate', status: 'completed', output: '"early"' },
        { id: 'never', type: 'task', task: 'echo' },
      ],
    })
    const good = await h.waitFor((await h.start(name, { input: { bad: false } })).id, terminal)
    expect(good.status).toBe('completed')
    expect(good.output).toBe('early')
    expect(step(good, 'never')).toBeUndefined()
    const bad = await h.waitFor((await h.start(name, { input: { bad: true } })).id, terminal)
    expect(bad.status).toBe('failed')
    expect(bad.error).toEqual({ code: 'TERMINATED', message: 'bad input' })
  })

  it('fails a step whose input expression fails at run time, naming the expression', async () => {
    const name = uniqueWorkflow('badexpr')
    await h.define({
      name,
      steps: [{ id: 'x', type: 'task', task: 'echo', input: '$number("abc") + $undefinedFn()' }],
    })
    const done = await h.waitFor((await h.start(name)).id, terminal)
    expect(done.status).toBe('failed')
    expect(step(done, 'x')?.error?.code).toBe('EXPRESSION_FAILED')
  })
})
