import type { ConductorDeps } from '../module.js'
import type { FastBatch, FastWriter } from './fast-writes.js'
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
 * after-commit work as a unit. `write` answers false when the batch was refused (nothing written).
 */
export function createFastRunner(
  deps: ConductorDeps,
  hooks: { lease: () => Unit['lease']; afterCommit: (unit: UnitEffects) => void },
  writeFast: FastWriter,
) {
  /** Batches written and refused since start, for the health details (and tests that the path is taken). */
  const counts = { written: 0, refused: 0 }
  return {
    begin: (): UnitEffects => effectsOf(deps.clock.now(), hooks.lease()),
    async write(batch: FastBatch): Promise<boolean> {
      if (!(await writeFast(batch))) {
        counts.refused++
        return false
      }
      counts.written++
      hooks.afterCommit(batch.unit)
      return true
    },
    counts: () => ({ ...counts }),
  }
}

export type FastRunner = ReturnType<typeof createFastRunner>
