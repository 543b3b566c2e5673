import type { PlatformService } from '../../kernel/lifecycle.js'
import { createNurse, type Nurse, type NurseDeps } from './nurse.js'

export type { Nurse, Readiness } from './nurse.js'
export { healthPercentage } from './nurse.js'
export { createHttpMetrics, type HttpMetrics } from './http-metrics.js'

export const nurseVersion = '1.0.0'

/** A named probe of one piece of infrastructure (database, key-value, pub/sub, files); it throws when unreachable. */
export type InfrastructureProbe = () => Promise<void>

export interface NurseServiceDeps extends NurseDeps {
  probes: Record<string, InfrastructureProbe>
}

/**
 * The Nurse and its registry entry. Its own health is the infrastructure's: every probe must answer for the Nurse
 * to be healthy, and the details say which one did not.
 */
export function createNurseService(deps: NurseServiceDeps): { nurse: Nurse; service: PlatformService } {
  const nurse = createNurse(deps)
  const service: PlatformService = {
    descriptor: {
      name: 'nurse',
      realm: 'smart-city',
      version: nurseVersion,
      capabilities: ['liveness', 'readiness', 'metrics', 'infrastructure-health'],
      dependsOn: ['curator'],
    },
    async healthCheck() {
      const names = Object.keys(deps.probes)
      const results = await Promise.allSettled(names.map((name) => deps.probes[name]!()))
      const details = Object.fromEntries(
        names.map((name, i) => {
          const result = results[i]!
          return [name, result.status === 'fulfilled' ? 'up' : `down: ${reason(result.reason)}`]
        }),
      )
      const down = results.some((r) => r.status === 'rejected')
      return { status: down ? 'unhealthy' : 'healthy', details }
    },
  }
  return { nurse, service }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : 'unreachable'
}
