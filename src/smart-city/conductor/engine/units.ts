import type { ConductorDeps } from '../module.js'
import { type Unit, type UnitEffects, unitOf } from './transitions.js'

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
