import { type Kysely, sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { describeOnProfiles } from '../support/profiles.js'
import { type ConductorHarness, conductorHarness, step, terminal, uniqueWorkflow } from './support.js'

/**
 * The fast path (src/smart-city/conductor/engine/fast-writes.ts) writes transitions decided from what the node
 * already holds, on conditions the write checks. These tests change rows behind the node's back, as another node
 * would, and expect the write refused as a whole and the locking path to finish the work correctly.
 */
describeOnProfiles('Conductor fast path', (profile) => {
  let h: ConductorHarness
  let db: Kysely<unknown>
  const gates = new Map<string, () => void>()
  const held = new Map<string, Promise<void>>()
  const type = `fast.step${process.pid}`
  const holdType = `fast.hold${process.pid}`

  /** The next task of `holdType` with this label waits until `release(label)`. */
  function hold(label: string): void {
    held.set(label, new Promise<void>((resolve) => gates.set(label, resolve)))
  }
  const release = (label: string) => gates.get(label)!()
  const counts = () => h.node.services.conductor.fastWrites()

  beforeAll(async () => {
    h = await conductorHarness(profile)
    db = h.node.infra.database.db as Kysely<unknown>
    const { conductor } = h.node.services
    conductor.registerHandler(type, async (input) => ({ n: (input as { n: number }).n + 1 }))
    conductor.registerHandler(holdType, async (input) => {
      const { label, n } = input as { label: string; n: number }
      await held.get(label)
      return { n: n + 1 }
    })
  })

  async function whenRunning(executionId: string, stepId: string) {
    return h.waitFor(executionId, (e) => step(e, stepId)?.status === 'running')
  }

  it('takes in-process chains and starts without reading rows first', async () => {
    const name = uniqueWorkflow('fast-chain')
    await h.define({
      name,
      steps: Array.from({ length: 4 }, (_, i) => ({
        id: `s${i}`,
        type: 'task',
        task: type,
        input: i === 0 ? '{ "n": input.n }' : `{ "n": steps.s${i - 1}.output.n }`,
      })),
      output: 'steps.s3.output',
    })
    const before = counts()
    const done = await h.waitFor((await h.start(name, { input: { n: 1 } })).id, terminal)
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ n: 5 })
    const after = counts()
    expect(after.written - before.written).toBeGreaterThanOrEqual(5)
    expect(after.refused).toBe(before.refused)
  })

  it('refuses a whole batch when the execution changed since the node wrote it, then moves it on correctly', async () => {
    const name = uniqueWorkflow('fast-conflict')
    await h.define({
      name,
      steps: [
        { id: 'first', type: 'task', task: holdType, input: '{ "label": "conflict", "n": input.n }' },
        { id: 'second', type: 'task', task: type, input: '{ "n": steps.first.output.n }' },
      ],
      output: 'steps.second.output',
    })
    hold('conflict')
    const started = await h.start(name, { input: { n: 10 } })
    await whenRunning(started.id, 'first')
    // Another node's write: the revision moves on while this node still caches the old one.
    await sql`update cd_executions set rev = rev + 1 where id = ${started.id}`.execute(db)
    const before = counts()
    release('conflict')
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ n: 12 })
    expect(counts().refused).toBe(before.refused + 1)
    const completed = (await h.history(started.id)).filter((e) => e.type === 'step.completed')
    expect(completed.map((e) => e.stepId)).toEqual(['first', 'second'])
  })

  it('starts the newest version when another node made one after this node last looked', async () => {
    const name = uniqueWorkflow('fast-version')
    await h.define({ name, steps: [{ id: 'only', type: 'task', task: type, input: '{ "n": 1 }' }] })
    const [{ definition }] = (
      await sql<{
        definition: string
      }>`select definition from cd_workflows where name = ${name} and version = 1`.execute(db)
    ).rows as [{ definition: string }]
    await sql`insert into cd_workflows (tenant_id, name, version, definition, created_at, created_by)
      select tenant_id, name, 2, ${definition}, created_at, created_by from cd_workflows
      where name = ${name} and version = 1`.execute(db)
    const before = counts()
    const started = await h.start(name)
    expect(started.version).toBe(2)
    expect(counts().refused).toBe(before.refused + 1)
    expect((await h.waitFor(started.id, terminal)).status).toBe('completed')
  })

  it("keeps a finished child's wake-up of its parent that a transition of the parent did not look at", async () => {
    const child = uniqueWorkflow('fast-child')
    await h.define({
      name: child,
      steps: [{ id: 'gate', type: 'task', task: holdType, input: '{ "label": "gate", "n": 0 }' }],
    })
    const parent = uniqueWorkflow('fast-parent')
    await h.define({
      name: parent,
      steps: [
        {
          id: 'both',
          type: 'parallel',
          branches: [
            [{ id: 'sub', type: 'subworkflow', workflow: child }],
            [{ id: 'own', type: 'task', task: holdType, input: '{ "label": "own", "n": 0 }' }],
          ],
        },
      ],
    })
    hold('gate')
    hold('own')
    const started = await h.start(parent)
    const running = await whenRunning(started.id, 'own')
    const childId = step(running, 'sub')!.childId!
    await whenRunning(childId, 'gate')
    // The child finishes without waking its parent; the wake-up is then written as the child's last transition
    // would write it, as if the sweep it triggered had skipped the parent (locked by another transition).
    await sql`update cd_executions set parent_id = null where id = ${childId}`.execute(db)
    release('gate')
    await h.waitFor(childId, terminal)
    await sql`update cd_executions set wake_at = ${h.clock.now()} where id = ${started.id}`.execute(db)
    release('own')
    const done = await h.waitFor(started.id, terminal)
    expect(done.status).toBe('completed')
    expect(step(done, 'sub')?.status).toBe('completed')
  })

  it('writes starts made in the same turn together; a refused one does not hold the others back', async () => {
    const fine = uniqueWorkflow('fast-many')
    const stale = uniqueWorkflow('fast-stale')
    for (const name of [fine, stale])
      await h.define({ name, steps: [{ id: 'only', type: 'task', task: type, input: '{ "n": 1 }' }] })
    await sql`insert into cd_workflows (tenant_id, name, version, definition, created_at, created_by)
      select tenant_id, name, 2, definition, created_at, created_by from cd_workflows
      where name = ${stale} and version = 1`.execute(db)
    const { conductor } = h.node.services
    const principal = { tenantId: h.owner.tenantId, userId: h.owner.userId }
    const before = counts()
    const started = await Promise.all([
      conductor.executions.start(principal, fine, {}),
      conductor.executions.start(principal, stale, {}),
      conductor.executions.start(principal, fine, {}),
      conductor.executions.start(principal, fine, {}),
    ])
    const after = counts()
    expect(after.refused - before.refused).toBe(1)
    expect(after.written - before.written).toBeGreaterThanOrEqual(3)
    expect(started.map((s) => Number(s.row.version))).toEqual([1, 2, 1, 1])
    for (const { row } of started) expect((await h.waitFor(row.id, terminal)).status).toBe('completed')
  })
})
