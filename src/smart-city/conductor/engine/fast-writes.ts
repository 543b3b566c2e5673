import { type CompiledQuery, type Kysely, type RawBuilder, sql } from 'kysely'
import {
  type ColumnList,
  fillTemplate,
  RowSource,
  type Rows,
  rowListCte,
  valueSlot,
} from '../../../ports/sql-row-lists.js'
import type { ConductorDeps } from '../module.js'
import type { ConductorTables } from '../tables.js'
import type { PlanStatements } from './plan-statements.js'
import type { UnitEffects } from './unit-effects.js'
import type { StatusEvent, WritePlan } from './write-plan.js'

/**
 * The fast path: transitions decided from what this node already holds (executions it wrote last, from its
 * cache; new executions it is starting), written without reading anything first, on conditions checked by the
 * write itself — every task finished is still open, every execution updated is still at the revision it was
 * decided on, a start of a workflow's latest version finds no newer version. On PostgreSQL the whole batch is one
 * statement of data-modifying CTEs (one round trip, committed on its own) that `cd_require_rows` aborts as a whole
 * when a condition fails; on SQLite it is one transaction that rolls back. A refused batch changes nothing, and
 * the caller takes the locking path instead, which reads the rows and decides again.
 */
export interface FastWrite {
  now: number
  /** Tasks to mark completed with their outputs (JSON text); each must still be open. */
  finished: { id: string; output: string }[]
  /** Transitions of existing executions, each on condition of its row's `rev`. */
  plans: WritePlan[]
  /** New executions, inserted as their first transition leaves them. */
  starts: { plan: WritePlan; latestOnly: boolean }[]
  events: StatusEvent[]
}

/** A write and the effects record it was planned in (see transitions.ts `UnitEffects`). */
export interface FastBatch extends Omit<FastWrite, 'now'> {
  unit: UnitEffects
}

class Refused extends Error {}

const finishedColumns: ColumnList<{ id: string; output: string }> = [
  ['id', 'text'],
  ['output', 'text'],
]

export function createFastWriter(deps: ConductorDeps, statements: PlanStatements) {
  const db = deps.database.db as Kysely<ConductorTables>

  /** The list `f` of the tasks to finish and the update from it. */
  function finishTasks(finished: Rows<{ id: string; output: string }>, now: RawBuilder<unknown>) {
    return {
      values: rowListCte(deps.database.dialect, 'f', finishedColumns, finished),
      update: sql`update cd_tasks set status = 'completed', output = f.output, error = null, claimable_at = null,
          lease_expires_at = null, updated_at = ${now}, completed_at = ${now}
        from f where cd_tasks.id = f.id and cd_tasks.status in ('queued', 'leased')
        returning 1`,
    }
  }

  /**
   * On PostgreSQL the batch is one statement whose text depends only on which of its parts the batch has, so each
   * such shape is built and compiled once, as a template over the batch, and then only filled.
   */
  const templates = new Map<number, CompiledQuery>()

  function templateOf(shape: number): CompiledQuery {
    let template = templates.get(shape)
    if (template) return template
    const ctes = []
    const checks = []
    const has = (part: number) => (shape & part) !== 0
    if (has(parts.finished)) {
      const finish = finishTasks(
        new RowSource((batch: FastWrite) => batch.finished),
        valueSlot((batch: FastWrite) => batch.now),
      )
      ctes.push(finish.values, sql`fin as (${finish.update})`)
      checks.push(
        sql`cd_require_rows((select count(*) from fin), ${valueSlot((b: FastWrite) => b.finished.length)})`,
      )
    }
    if (has(parts.plans)) {
      ctes.push(
        statements.updateValues(new RowSource((batch: FastWrite) => batch.plans)),
        sql`x as (${statements.update(true)})`,
      )
      checks.push(
        sql`cd_require_rows((select count(*) from x), ${valueSlot((b: FastWrite) => b.plans.length)})`,
      )
    }
    if (has(parts.starts)) {
      const starts = statements.insertStarts(new RowSource((batch: FastWrite) => batch.starts))
      ctes.push(starts.values, sql`n as (${starts.insert})`)
      checks.push(
        sql`cd_require_rows((select count(*) from n), ${valueSlot((b: FastWrite) => b.starts.length)})`,
      )
    }
    const everyPlan = new RowSource(plansOf)
    if (has(parts.history)) ctes.push(sql`h as (${statements.historyInsert(everyPlan)})`)
    if (has(parts.tasks)) ctes.push(sql`t as (${statements.tasksInsert(everyPlan)})`)
    if (has(parts.events) && deps.events)
      ctes.push(sql`e as (${deps.events.outboxInsert(new RowSource((batch: FastWrite) => batch.events))})`)
    const due = has(parts.plans) ? sql`(select min(wake_at) from x)` : sql`null::bigint`
    template = sql`with ${sql.join(ctes)} select ${sql.join(checks)}, ${due} as due`.compile(db)
    templates.set(shape, template)
    return template
  }

  /** Answers the earliest `wake_at` among the updated rows (a kept wake-up may be due). */
  async function writePostgres(batch: FastWrite): Promise<number | null> {
    const { rows } = await deps.database.runPrepared(
      fillTemplate(templateOf(shapeOf(batch, deps.events !== undefined)), batch),
    )
    return (rows[0] as { due: number | null } | undefined)?.due ?? null
  }

  async function writeSqlite(batch: FastWrite): Promise<number | null> {
    return deps.database.transaction(async (trx) => {
      const store = trx as unknown as Kysely<ConductorTables>
      const expect = (found: number, expected: number) => {
        if (found !== expected) throw new Refused(`${found} of ${expected} rows matched`)
      }
      if (batch.finished.length > 0) {
        const finish = finishTasks(batch.finished, sql`${batch.now}`)
        expect(
          (await sql`with ${finish.values} ${finish.update}`.execute(store)).rows.length,
          batch.finished.length,
        )
      }
      let due: number | null = null
      if (batch.plans.length > 0) {
        const { rows } = await sql<{
          wake_at: number | null
        }>`with ${statements.updateValues(batch.plans)} ${statements.update(true)}`.execute(store)
        expect(rows.length, batch.plans.length)
        for (const { wake_at } of rows) if (wake_at !== null && (due === null || wake_at < due)) due = wake_at
      }
      if (batch.starts.length > 0) {
        const starts = statements.insertStarts(batch.starts)
        expect(
          (await sql`with ${starts.values} ${starts.insert}`.execute(store)).rows.length,
          batch.starts.length,
        )
      }
      const { history, tasks } = statements.historyAndTasks([
        ...batch.plans,
        ...batch.starts.map((s) => s.plan),
      ])
      if (history) await history.execute(store)
      if (tasks) await tasks.execute(store)
      if (deps.events && batch.events.length > 0) await deps.events.outboxInsert(batch.events).execute(store)
      return due
    })
  }

  /**
   * Writes; answers the earliest `wake_at` among the executions updated (a wake-up the write kept may be due), or
   * undefined when the write was refused (nothing written).
   */
  return async function writeFast(write: FastWrite): Promise<{ due: number | null } | undefined> {
    try {
      return { due: statements.postgres ? await writePostgres(write) : await writeSqlite(write) }
    } catch (error) {
      const refused = error instanceof Refused || deps.database.classifyError(error) !== 'other'
      if (!refused) deps.logger.warn({ err: error }, 'a fast conductor write failed; taking the locking path')
      return undefined
    }
  }
}

const parts = { finished: 1, plans: 2, starts: 4, history: 8, tasks: 16, events: 32 }

function plansOf(batch: FastWrite): WritePlan[] {
  return batch.starts.length === 0
    ? batch.plans
    : [...batch.plans, ...batch.starts.map((start) => start.plan)]
}

/** Which parts the batch's statement has (see `parts`). */
function shapeOf(batch: FastWrite, publishes: boolean): number {
  let shape = 0
  if (batch.finished.length > 0) shape |= parts.finished
  if (batch.plans.length > 0) shape |= parts.plans
  if (batch.starts.length > 0) shape |= parts.starts
  if (publishes && batch.events.length > 0) shape |= parts.events
  for (const plan of plansOf(batch)) {
    if (plan.transition) shape |= parts.history
    if (plan.tasks.length > 0) shape |= parts.tasks
  }
  return shape
}

/** Records in the batch's unit what its committed write leaves to do: cache its executions, wake-ups, events. */
export function settleFastBatch(batch: FastBatch, due: number | null, publishes: boolean): void {
  const { unit } = batch
  for (const plan of [...batch.plans, ...batch.starts.map((s) => s.plan)]) {
    unit.states.push(plan.next)
    const { wakeAt } = plan.result
    if (wakeAt !== undefined && wakeAt <= unit.now && plan.result.history.length > 0) unit.wake = true
  }
  if (due !== null && Number(due) <= unit.now) unit.wake = true
  if (publishes && batch.events.length > 0) unit.published = true
}

/** Several batches as one write (their rows never overlap: each execution is in one batch at most). */
export function mergeFastBatches(batches: readonly FastBatch[]): FastWrite {
  return {
    now: Math.max(...batches.map((b) => b.unit.now)),
    finished: batches.flatMap((b) => b.finished),
    plans: batches.flatMap((b) => b.plans),
    starts: batches.flatMap((b) => b.starts),
    events: batches.flatMap((b) => b.events),
  }
}

export type FastWriter = ReturnType<typeof createFastWriter>
