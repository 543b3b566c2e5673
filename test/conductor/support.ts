import { setTimeout as sleep } from 'node:timers/promises'
import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import { createManualClock, type ManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { type Account, signUp } from '../support/fixtures.js'
import type { ProfileContext } from '../support/profiles.js'

/** A node with a manual clock and an account, plus HTTP helpers for the Conductor's routes. */
export interface ConductorHarness {
  node: Platform
  clock: ManualClock
  owner: Account
  call(method: string, url: string, payload?: unknown, who?: Account): Promise<LightMyRequestResponse>
  define(definition: Record<string, unknown>, who?: Account): Promise<{ name: string; version: number }>
  start(name: string, body?: Record<string, unknown>, who?: Account): Promise<ExecutionBody>
  get(id: string, who?: Account): Promise<ExecutionBody>
  /** Polls until the execution satisfies `until` (state changes happen on the node's own workers). */
  waitFor(id: string, until: (e: ExecutionBody) => boolean, who?: Account): Promise<ExecutionBody>
  history(id: string): Promise<{ type: string; stepId: string | null; data: unknown }[]>
  /** Moves the manual clock and fires whatever became due. */
  advance(ms: number): Promise<void>
}

export interface StepBody {
  id: string
  type: string
  status: string
  attempt: number
  input: unknown
  output: unknown
  error: { code: string; message: string } | null
  taskId: string | null
  childId: string | null
}

export interface ExecutionBody {
  id: string
  workflow: string
  version: number
  status: string
  input: unknown
  output: unknown
  error: { code: string; message: string } | null
  variables: Record<string, unknown>
  steps: StepBody[]
}

export const terminal = (e: ExecutionBody) =>
  ['completed', 'failed', 'cancelled', 'timed_out'].includes(e.status)

export function step(execution: ExecutionBody, id: string): StepBody | undefined {
  return execution.steps.find((s) => s.id === id)
}

let names = 0
export const uniqueWorkflow = (label = 'wf') => `${label}-${process.pid}-${++names}`

export async function conductorHarness(
  profile: ProfileContext,
  env: Record<string, string> = {},
): Promise<ConductorHarness> {
  const clock = createManualClock(Date.now())
  const node = await profile.startNode(
    { SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400', SYMPHAINY_CONDUCTOR_SWEEP_MS: '60000', ...env },
    { clock },
  )
  const owner = await signUp(node.gateway)
  const call: ConductorHarness['call'] = (method, url, payload, who = owner) =>
    node.gateway.inject({
      method: method as 'GET',
      url,
      headers: who.auth,
      ...(payload !== undefined && { payload: payload as object }),
    })
  const get = async (id: string, who = owner) => {
    const response = await call('GET', `/api/v1/executions/${id}`, undefined, who)
    expect(response.statusCode, response.body).toBe(200)
    return response.json<ExecutionBody>()
  }
  return {
    node,
    clock,
    owner,
    call,
    async define(definition, who = owner) {
      const response = await call('POST', '/api/v1/workflows', definition, who)
      expect(response.statusCode, response.body).toBe(201)
      return response.json<{ name: string; version: number }>()
    },
    async start(name, body = {}, who = owner) {
      const response = await call('POST', `/api/v1/workflows/${name}/executions`, body, who)
      expect(response.statusCode, response.body).toBe(202)
      return response.json<ExecutionBody>()
    },
    get,
    async waitFor(id, until, who = owner) {
      let last: ExecutionBody | undefined
      for (let i = 0; i < 500; i++) {
        last = await get(id, who)
        if (until(last)) return last
        await sleep(10)
      }
      throw new Error(`execution ${id} never reached the expected state; last: ${JSON.stringify(last)}`)
    },
    async history(id) {
      const response = await call('GET', `/api/v1/executions/${id}/history?limit=1000`)
      expect(response.statusCode).toBe(200)
      return response.json<{ items: { type: string; stepId: string | null; data: unknown }[] }>().items
    },
    async advance(ms) {
      clock.advance(ms)
      await node.services.conductor.runDue()
    },
  }
}
