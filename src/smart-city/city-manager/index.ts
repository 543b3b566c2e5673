import type { PlatformService } from '../../kernel/lifecycle.js'
import { createCityManager, type CityManager, type CityManagerDeps } from './city-manager.js'

export type { CityManager, CityState, ServiceState, ServiceStatus } from './city-manager.js'
export { cityManagerErrors } from './errors.js'
export { smartCityOrder, startOrder } from './start-order.js'

export const cityManagerVersion = '1.0.0'

/**
 * The City Manager and its registry entry. It manages every other service; it reports healthy while the city runs.
 */
export function createCityManagerService(deps: CityManagerDeps): {
  cityManager: CityManager
  service: PlatformService
} {
  const cityManager = createCityManager(deps)
  const service: PlatformService = {
    descriptor: {
      name: 'city-manager',
      realm: 'smart-city',
      version: cityManagerVersion,
      capabilities: ['lifecycle', 'startup-order', 'graceful-shutdown'],
    },
    healthCheck: () => {
      const failed = cityManager.status().filter((s) => s.state === 'failed')
      return Promise.resolve({
        status: cityManager.state === 'running' && failed.length === 0 ? 'healthy' : 'unhealthy',
        details: { state: cityManager.state, failed: failed.map((s) => s.name) },
      })
    },
  }
  return { cityManager, service }
}
