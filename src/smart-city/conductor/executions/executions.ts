import type { Kysely } from 'kysely'
import type { PageRequest } from '../../../kernel/pagination.js'
import { pageByCreation } from '../../../ports/sql-pagination.js'
import type { Principal } from '../../../kernel/principal.js'
import type { DefinitionStore } from '../definitions/store.js'
import { type ExecutionEvent, TransitionRefused } from '../engine/decide.js'
import type { NewExecution, TransitionRunner } from '../engine/transitions.js'
import type { WorkflowDefinition } from '../definitions/types.js'
import type { FastRunner, UnitRunner } from '../engine/units.js'
import { conductorErrors } from '../errors.js'
import type { ConductorDeps } from '../module.js'
import type { ConductorTables, ExecutionsTable } from '../tables.js'
import { historyEntries } from '../views.js'

/**
 * Starting executions and operating on them. A start with an idempotency key starts at most one execution per key
 * and tenant: concurrent and repeated starts all answer that execution. Every operation is one transition.
 */
export interface StartRequest {
  input?: unknown
  version?: number
  idempotencyKey?: string
  correlationId?: string
}

function newExecution(
  principal: Pick<Principal, 'tenantId' | 'userId'>,
  id: string,
  definition: WorkflowDefinition,
  request: StartRequest,
): NewExecution {
  return {
    id,
    tenantId: principal.tenantId,
    definition,
    input: request.input ?? {},
    startedBy: principal.userId,
    depth: 0,
    ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
    ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
  }
}

export function createExecutions(
  deps: ConductorDeps,
  definitions: DefinitionStore,
  engine: { runner: TransitionRunner; inUnit: UnitRunner; fast: FastRunner },
) {
  const { runner, inUnit, fast } = engine
  const db = deps.database.db as Kysely<ConductorTables>

  async function byKey(tenantId: string, key: string) {
    return db
      .selectFrom('cd_executions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst()
  }

  function existing(row: ExecutionsTable, name: string) {
    if (row.workflow !== name) throw conductorErrors.IDEMPOTENCY_KEY_REUSED({ key: row.idempotency_key })
    return { row, created: false }
  }

  /** `who` is the caller, or a service starting on a tenant's behalf (`userId` like `service:post-office`). */
  async function start(
    principal: Pick<Principal, 'tenantId' | 'userId'>,
    name: string,
    request: StartRequest,
  ) {
    const key = request.idempotencyKey
    if (key !== undefined) {
      const found = await byKey(principal.tenantId, key)
      if (found) return existing(found, name)
    }
    const id = deps.ids.next('exe')
    const fastRow = await startFast(principal, name, request, id)
    if (fastRow) return { row: fastRow, created: true }
    try {
      await inUnit(async (unit) => {
        const definition = await definitions.get(unit.trx, principal.tenantId, name, request.version)
        await runner.createExecution(unit, newExecution(principal, id, definition, request))
      })
      return { row: await load(principal.tenantId, id), created: true }
    } catch (error) {
      if (key === undefined || deps.database.classifyError(error) !== 'unique_violation') throw error
      const found = await byKey(principal.tenantId, key)
      if (!found) throw error
      return existing(found, name)
    }
  }

  /**
   * The fast path of a start (see engine/fast-writes.ts), with the definition this node already holds: the version
   * asked for, or the latest it has seen, which the write checks is still the latest. Answers the new row, or
   * undefined when the start must be taken the locking way (it starts a child, the node knows no latest version,
   * or the write was refused — a newer version, a reused idempotency key).
   */
  async function startFast(
    principal: Pick<Principal, 'tenantId' | 'userId'>,
    name: string,
    request: StartRequest,
    id: string,
  ): Promise<ExecutionsTable | undefined> {
    const definition =
      request.version === undefined
        ? definitions.latestSeen(principal.tenantId, name)
        : await definitions.version(principal.tenantId, name, request.version).catch(() => undefined)
    if (!definition) return undefined
    const unit = fast.begin()
    const planned = await runner
      .planStart(unit, newExecution(principal, id, definition, request))
      .catch(() => undefined)
    if (!planned) return undefined
    const written = await fast.write({
      unit,
      finished: [],
      plans: [],
      starts: [{ plan: planned.plan, latestOnly: request.version === undefined }],
      events: planned.events,
    })
    return written ? planned.plan.next.row : undefined
  }

  async function load(tenantId: string, id: string): Promise<ExecutionsTable> {
    const row = await db
      .selectFrom('cd_executions')
      .selectAll()
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst()
    if (!row) throw conductorErrors.EXECUTION_NOT_FOUND({ id })
    return row
  }

  /** Applies one operation; refusals become 404/409 with the reason. */
  async function operate(principal: Principal, id: string, event: ExecutionEvent): Promise<ExecutionsTable> {
    try {
      const done = await inUnit((unit) =>
        runner.transition(unit, id, [event], { tenantId: principal.tenantId }),
      )
      if (!done) throw conductorErrors.EXECUTION_NOT_FOUND({ id })
    } catch (error) {
      if (!(error instanceof TransitionRefused)) throw error
      const details = error.details
      if (error.reason === 'step-not-found') throw conductorErrors.STEP_NOT_FOUND(details)
      if (error.reason === 'step') throw conductorErrors.STEP_STATE_CONFLICT(details)
      throw conductorErrors.EXECUTION_STATE_CONFLICT(details)
    }
    return load(principal.tenantId, id)
  }

  return {
    start,
    get: (principal: Principal, id: string) => load(principal.tenantId, id),
    operate,

    list(principal: Principal, filter: { workflow?: string; status?: string } & PageRequest) {
      let query = db.selectFrom('cd_executions').selectAll().where('tenant_id', '=', principal.tenantId)
      if (filter.workflow !== undefined) query = query.where('workflow', '=', filter.workflow)
      if (filter.status !== undefined) query = query.where('status', '=', filter.status)
      return pageByCreation(query, filter, (row) => row, true)
    },

    async history(principal: Principal, id: string, page: { after?: number; limit?: number }) {
      await load(principal.tenantId, id)
      const limit = Math.min(Math.max(1, page.limit ?? 200), 1000)
      const after = page.after ?? 0
      // Each row holds one transition's entries, at least one: `limit` rows hold at least `limit` entries.
      const rows = await db
        .selectFrom('cd_transitions')
        .selectAll()
        .where('execution_id', '=', id)
        .where('tenant_id', '=', principal.tenantId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(limit)
        .execute()
      return historyEntries(rows, after).slice(0, limit)
    },
  }
}

export type Executions = ReturnType<typeof createExecutions>
