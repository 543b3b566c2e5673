import { beforeAll, expect, it } from 'vitest'
import { durationSeconds } from '../../src/smart-city/conductor/import/conductor-format.js'
import { errorCode } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, step, terminal } from './support.js'

const orderFlow = {
  name: 'Order_Fulfilment',
  description: 'imported from Conductor',
  version: 3,
  schemaVersion: 2,
  timeoutPolicy: 'TIME_OUT_WF',
  timeoutSeconds: 7200,
  variables: { attempts: 0 },
  outputParameters: { total: '${price_ref.output.total}', label: 'order ${workflow.input.orderId}' },
  tasks: [
    {
      name: 'price_order',
      taskReferenceName: 'price_ref',
      type: 'SIMPLE',
      inputParameters: { qty: '${workflow.input.qty}', unit: 5 },
      taskDefinition: {
        retryCount: 2,
        retryLogic: 'EXPONENTIAL_BACKOFF',
        retryDelaySeconds: 3,
        timeoutSeconds: 60,
      },
    },
    {
      name: 'route',
      taskReferenceName: 'route_ref',
      type: 'SWITCH',
      evaluatorType: 'value-param',
      expression: 'kind',
      inputParameters: { kind: '${workflow.input.kind}' },
      decisionCases: {
        express: [{ name: 'ship_fast', taskReferenceName: 'fast_ref', type: 'SIMPLE' }],
      },
      defaultCase: [{ name: 'ship_slow', taskReferenceName: 'slow_ref', type: 'SIMPLE' }],
    },
    {
      name: 'fork',
      taskReferenceName: 'fork_ref',
      type: 'FORK_JOIN',
      forkTasks: [
        [{ name: 'notify', taskReferenceName: 'notify_ref', type: 'SIMPLE' }],
        [{ name: 'invoice', taskReferenceName: 'invoice_ref', type: 'SIMPLE' }],
      ],
    },
    { name: 'join', taskReferenceName: 'join_ref', type: 'JOIN', joinOn: ['notify_ref', 'invoice_ref'] },
    {
      name: 'poll_loop',
      taskReferenceName: 'loop_ref',
      type: 'DO_WHILE',
      inputParameters: { limit: '${workflow.input.checks}' },
      loopCondition:
        "if ($.loop_ref['iteration'] < $.limit && $.check_ref['ready'] != true) { true; } else { false; }",
      loopOver: [{ name: 'check', taskReferenceName: 'check_ref', type: 'SIMPLE' }],
    },
    {
      name: 'count',
      taskReferenceName: 'count_ref',
      type: 'SET_VARIABLE',
      inputParameters: { attempts: '${loop_ref.output.iterations}' },
    },
    {
      name: 'cool_off',
      taskReferenceName: 'wait_ref',
      type: 'WAIT',
      inputParameters: { duration: '1 hour' },
    },
    {
      name: 'done',
      taskReferenceName: 'end_ref',
      type: 'TERMINATE',
      inputParameters: { terminationStatus: 'COMPLETED', workflowOutput: { finished: true } },
    },
  ],
}

describeOnProfiles('Conductor-format import', (profile) => {
  let h: ConductorHarness
  const ran: string[] = []
  let checks = 0

  beforeAll(async () => {
    h = await conductorHarness(profile)
    const { conductor } = h.node.services
    conductor.registerHandler('price_order', async (input) => {
      const { qty, unit } = input as { qty: number; unit: number }
      ran.push('price_order')
      return { total: qty * unit }
    })
    for (const type of ['ship_fast', 'ship_slow', 'notify', 'invoice']) {
      conductor.registerHandler(type, async () => {
        ran.push(type)
        return { ok: type }
      })
    }
    conductor.registerHandler('check', async () => {
      checks++
      ran.push('check')
      return { ready: checks >= 2 }
    })
  })

  it('turns a Conductor WorkflowDef into a native definition that runs the same way', async () => {
    const response = await h.call('POST', '/api/v1/workflows/import/conductor', orderFlow)
    expect(response.statusCode, response.body).toBe(201)
    const { definition, notes } = response.json<{
      definition: { name: string; version: number; steps: unknown[] }
      notes: string[]
    }>()
    expect(definition.name).toBe('order_fulfilment')
    expect(notes).toEqual([])
    expect(definition.steps).toHaveLength(7)
    expect(definition.steps[0]).toMatchObject({
      id: 'price_ref',
      type: 'task',
      task: 'price_order',
      input: '{"qty": input.qty, "unit": 5}',
      retry: { maxAttempts: 3, backoff: 'exponential', delaySeconds: 3 },
      timeoutSeconds: 60,
    })

    const started = await h.start('order_fulfilment', {
      input: { qty: 4, kind: 'express', orderId: 'A1', checks: 5 },
    })
    const waiting = await h.waitFor(started.id, (e) => step(e, 'wait_ref')?.status === 'waiting')
    expect(ran).toEqual(expect.arrayContaining(['price_order', 'ship_fast', 'notify', 'invoice', 'check']))
    expect(ran).not.toContain('ship_slow')
    expect(checks).toBe(2)
    expect(waiting.variables).toEqual({ attempts: 2 })
    await h.advance(3_600_000)
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ finished: true })
  })

  it('maps workflow outputParameters, with text and references mixed', async () => {
    const flow = {
      name: 'labels',
      outputParameters: {
        label: 'order ${workflow.input.orderId} x${workflow.input.n}',
        raw: '${workflow.input.n}',
      },
      tasks: [{ name: 'noop', taskReferenceName: 'noop_ref', type: 'NOOP' }],
    }
    expect((await h.call('POST', '/api/v1/workflows/import/conductor', flow)).statusCode).toBe(201)
    const done = await h.waitFor((await h.start('labels', { input: { orderId: 'B2', n: 3 } })).id, terminal)
    expect(done.output).toEqual({ label: 'order B2 x3', raw: 3 })
  })

  it('translates a JavaScript switch evaluator with a ternary', async () => {
    const flow = {
      name: 'js-switch',
      tasks: [
        {
          name: 'size',
          taskReferenceName: 'size_ref',
          type: 'SWITCH',
          evaluatorType: 'javascript',
          expression: "$.amount > 100 ? 'large' : 'small'",
          inputParameters: { amount: '${workflow.input.amount}' },
          decisionCases: {
            large: [
              {
                name: 'v',
                taskReferenceName: 'large_ref',
                type: 'SET_VARIABLE',
                inputParameters: { size: 'L' },
              },
            ],
            small: [
              {
                name: 'v',
                taskReferenceName: 'small_ref',
                type: 'SET_VARIABLE',
                inputParameters: { size: 'S' },
              },
            ],
          },
        },
      ],
    }
    expect((await h.call('POST', '/api/v1/workflows/import/conductor', flow)).statusCode).toBe(201)
    const big = await h.waitFor((await h.start('js-switch', { input: { amount: 500 } })).id, terminal)
    const small = await h.waitFor((await h.start('js-switch', { input: { amount: 5 } })).id, terminal)
    expect([big.variables, small.variables]).toEqual([{ size: 'L' }, { size: 'S' }])
  })

  it('refuses with 400 naming every unsupported element', async () => {
    const response = await h.call('POST', '/api/v1/workflows/import/conductor', {
      name: 'unsupported',
      failureWorkflow: 'cleanup',
      tasks: [
        { name: 'call', taskReferenceName: 'http_ref', type: 'HTTP', inputParameters: { http_request: {} } },
        { name: 'js', taskReferenceName: 'inline_ref', type: 'INLINE' },
        {
          name: 'loop',
          taskReferenceName: 'loop_ref',
          type: 'DO_WHILE',
          loopCondition: 'Math.random() > 0.5',
          loopOver: [{ name: 'x', taskReferenceName: 'x_ref', type: 'SIMPLE' }],
        },
        {
          name: 'y',
          taskReferenceName: 'y_ref',
          type: 'SIMPLE',
          inputParameters: { a: '${nowhere.output.b}' },
        },
        { name: 'fork', taskReferenceName: 'fork_ref', type: 'FORK_JOIN', forkTasks: [[]] },
      ],
    })
    expect(response.statusCode).toBe(400)
    expect(errorCode(response)).toBe('IMPORT_UNSUPPORTED')
    const unsupported = response.json<{ error: { details: { unsupported: string[] } } }>().error.details
      .unsupported
    expect(unsupported).toEqual(
      expect.arrayContaining([
        'http_ref: task type HTTP',
        'inline_ref: task type INLINE',
        expect.stringMatching(/^loop_ref: loopCondition/),
        expect.stringMatching(/^y_ref: .*no task with reference name "nowhere"/),
        'fork_ref: FORK_JOIN must be followed by a JOIN',
        'workflow: failureWorkflow (use per-step compensate instead)',
      ]),
    )
    expect((await h.call('GET', '/api/v1/workflows/unsupported')).statusCode).toBe(404)
  })

  it('reads Conductor durations', () => {
    expect(durationSeconds('30s')).toBe(30)
    expect(durationSeconds('2 days 3 hours 10 mins')).toBe(2 * 86400 + 3 * 3600 + 600)
    expect(durationSeconds('5 minutes')).toBe(300)
    expect(durationSeconds('soon')).toBeUndefined()
  })
})
