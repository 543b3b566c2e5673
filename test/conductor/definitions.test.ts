import { beforeAll, expect, it } from 'vitest'
import { type Account, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, uniqueWorkflow } from './support.js'

interface Problem {
  path: string
  message: string
}

describeOnProfiles('Conductor workflow definitions', (profile) => {
  let h: ConductorHarness
  let stranger: Account

  beforeAll(async () => {
    h = await conductorHarness(profile)
    stranger = await signUp(h.node.gateway)
  })

  const problemsOf = async (definition: unknown) => {
    const response = await h.call('POST', '/api/v1/workflows', definition)
    expect(response.statusCode, response.body).toBe(400)
    expect(errorCode(response)).toBe('DEFINITION_INVALID')
    return response.json<{ error: { details: { problems: Problem[] } } }>().error.details.problems
  }

  it('reports every problem at once, each with a JSON pointer', async () => {
    const problems = await problemsOf({
      name: 'Bad Name',
      steps: [
        {
          id: 'a',
          type: 'task',
          task: 'ok.type',
          retry: { maxAttempts: 0, backoff: 'linear', delaySeconds: -1 },
        },
        { id: 'a', type: 'teleport' },
        { id: 'c', type: 'switch', cases: [{ when: '1 +', steps: [] }] },
        { id: 'd', type: 'wait', seconds: 5, signal: 'both' },
        { id: 'e', type: 'loop', while: 'true', maxIterations: 5000, steps: [] },
        { id: 'f', type: 'task', task: 'x', colour: 'blue' },
        { id: 'g', type: 'parallel', branches: [] },
        { id: 'h', type: 'terminate', status: 'exploded' },
      ],
    })
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]))
    expect(Object.keys(byPath)).toEqual(
      expect.arrayContaining([
        '/name',
        '/steps/0/retry/maxAttempts',
        '/steps/0/retry/backoff',
        '/steps/0/retry/delaySeconds',
        '/steps/1/id',
        '/steps/1/type',
        '/steps/2/cases/0/when',
        '/steps/3',
        '/steps/4/maxIterations',
        '/steps/4/steps',
        '/steps/5/colour',
        '/steps/6/branches',
        '/steps/7/status',
      ]),
    )
    expect(byPath['/steps/1/id']).toContain('already used')
    expect(byPath['/steps/2/cases/0/when']).toMatch(/^JSONata: /)
    expect(byPath['/steps/5/colour']).toBe('is not a known property here')
  })

  it('refuses a definition without steps, and non-objects', async () => {
    expect((await problemsOf({ name: 'empty', steps: [] })).map((p) => p.path)).toEqual(['/steps'])
    const notObject = await h.call('POST', '/api/v1/workflows', [1, 2])
    expect(notObject.statusCode).toBe(400)
  })

  it('refuses definitions nested too deep or too large', async () => {
    let steps: unknown[] = [{ id: 'leaf', type: 'human' }]
    for (let depth = 0; depth < 12; depth++) {
      steps = [{ id: `l${depth}`, type: 'loop', while: 'false', maxIterations: 1, steps }]
    }
    const deep = await problemsOf({ name: 'deep', steps })
    expect(deep.some((p) => p.message.includes('nest at most'))).toBe(true)
    const many = Array.from({ length: 501 }, (_, i) => ({ id: `s${i}`, type: 'human' }))
    const large = await problemsOf({ name: 'large', steps: many })
    expect(large.some((p) => p.message.includes('at most 500 steps'))).toBe(true)
  })

  it('versions definitions: next version by default, explicit versions are immutable', async () => {
    const name = uniqueWorkflow('versions')
    const steps = [{ id: 'only', type: 'human' }]
    expect((await h.define({ name, steps })).version).toBe(1)
    expect((await h.define({ name, steps, description: 'two' })).version).toBe(2)
    const clash = await h.call('POST', '/api/v1/workflows', { name, version: 2, steps })
    expect(clash.statusCode).toBe(409)
    expect(errorCode(clash)).toBe('WORKFLOW_VERSION_EXISTS')
    expect((await h.define({ name, version: 10, steps })).version).toBe(10)
    const latest = await h.call('GET', `/api/v1/workflows/${name}`)
    expect(latest.json()).toMatchObject({ name, version: 10, steps })
    const first = await h.call('GET', `/api/v1/workflows/${name}?version=2`)
    expect(first.json()).toMatchObject({ version: 2, description: 'two' })
    const versions = await h.call('GET', `/api/v1/workflows/${name}/versions`)
    expect(versions.json<{ items: { version: number }[] }>().items.map((v) => v.version)).toEqual([1, 2, 10])
    const listed = await h.call('GET', '/api/v1/workflows')
    expect(listed.json().items).toContainEqual({ name, latestVersion: 10, versions: 3 })
  })

  it("keeps each tenant's workflows to itself", async () => {
    const name = uniqueWorkflow('private')
    await h.define({ name, steps: [{ id: 'only', type: 'human' }] })
    expect((await h.call('GET', `/api/v1/workflows/${name}`, undefined, stranger)).statusCode).toBe(404)
    const start = await h.call('POST', `/api/v1/workflows/${name}/executions`, {}, stranger)
    expect(start.statusCode).toBe(404)
    expect(errorCode(start)).toBe('WORKFLOW_NOT_FOUND')
    const theirs = await h.call('GET', '/api/v1/workflows', undefined, stranger)
    expect(theirs.json().items).toEqual([])
    // The same name in another tenant is another workflow, starting at version 1.
    expect((await h.define({ name, steps: [{ id: 'x', type: 'human' }] }, stranger)).version).toBe(1)
  })

  it('answers 404 for a missing version and a bad query with 400', async () => {
    const name = uniqueWorkflow('missing')
    await h.define({ name, steps: [{ id: 'only', type: 'human' }] })
    expect((await h.call('GET', `/api/v1/workflows/${name}?version=7`)).statusCode).toBe(404)
    expect((await h.call('GET', `/api/v1/workflows/${name}?version=zero`)).statusCode).toBe(400)
    expect((await h.call('POST', `/api/v1/workflows/${name}/executions`, { version: 7 })).statusCode).toBe(
      404,
    )
  })
})
