import type { ConductorDeps } from '../module.js'
import { type FastBatch, type FastWriter, mergeFastBatches, settleFastBatch } from './fast-writes.js'
import { effectsOf, type Unit, type UnitEffects, unitOf } from './transitions.js'

/**
 * Runs `work` in one SQL transaction as a Unit, retrying when the database reports contention (a deadlock or
 * serialization failure on PostgreSQL, a busy database on SQLite), then hands the committed unit to `afterCommit`
 * (wake-up hints, leased tasks to run). New tasks of the node's in-process types are leased to it in the unit.
 * Nothing in a unit is visible to anyone before it commits.
 */
const maxAttempts = 6

export function createUnitRunner(
  deps: ConductorDeps,
  hooks: { lease: () => Unit['lease']; afterCommit: (unit: UnitEffects) => void },
) {
  return async function inUnit<T>(work: (unit: Unit) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let unit: Unit | undefined
      try {
        const result = await deps.database.transaction(async (trx) => {
          unit = unitOf(trx, deps.clock.now())
          const lease = hooks.lease()
          if (lease) unit.lease = lease
          return work(unit)
        })
        hooks.afterCommit(unit!)
        return result
      } catch (error) {
        if (attempt >= maxAttempts || deps.database.classifyError(error) !== 'busy') throw error
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt))
      }
    }
  }
}

export type UnitRunner = ReturnType<typeof createUnitRunner>

/**
 * The fast path's counterpart of a unit (see fast-writes.ts): `begin` gives the effects record to plan a batch in
 * (with the lease for new in-process tasks), `write` writes the batch and, once it is committed, does the same
 * after-commit work as a unit; it answers false when the batch was refused (nothing written). Batches handed over
 * in the same turn of the event loop (the completions' group commit, starts made by handlers) are written as one;
 * when that write is refused, each is tried again on its own, so one conflict does not send the others the
 * locking way.
 */
export function createFastRunner(
  deps: ConductorDeps,
  hooks: { lease: () => Unit['lease']; afterCommit: (unit: UnitEffects) => void },
  writeFast: FastWriter,
) {
  /** Batches written and refused since start, for the health details (and tests that the path is taken). */
  const counts = { written: 0, refused: 0 }
  let waiting: { batch: FastBatch; resolve: (written: boolean) => void }[] = []

  function committed(batch: FastBatch, due: number | null): void {
    counts.written++
    settleFastBatch(batch, due, deps.events !== undefined)
    hooks.afterCommit(batch.unit)
  }

  async function writeAlone(batch: FastBatch): Promise<boolean> {
    const outcome = await writeFast({ ...batch, now: batch.unit.now })
    if (!outcome) {
      counts.refused++
      return false
    }
    committed(batch, outcome.due)
    return true
  }

  async function flush(group: typeof waiting): Promise<void> {
    if (group.length > 1) {
      const outcome = await writeFast(mergeFastBatches(group.map((g) => g.batch)))
      if (outcome) {
        for (const { batch, resolve } of group) {
          committed(batch, outcome.due)
          resolve(true)
        }
        return
      }
    }
    for (const { batch, resolve } of group) resolve(await writeAlone(batch))
  }

  return {
    begin: (): UnitEffects => effectsOf(deps.clock.now(), hooks.lease()),
    write(batch: FastBatch): Promise<boolean> {
      return new Promise<boolean>((resolve) => {
        if (waiting.length === 0)
          setImmediate(() => {
            const group = waiting
            waiting = []
            flush(group).catch((error: unknown) => {
              deps.logger.error({ err: error }, 'a fast conductor write failed')
              for (const { resolve: answer } of group) answer(false)
            })
          })
        waiting.push({ batch, resolve })
      })
    },
    counts: () => ({ ...counts }),
  }
}

export type FastRunner = ReturnType<typeof createFastRunner>
