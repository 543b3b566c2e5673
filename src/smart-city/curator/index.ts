import type { PlatformService } from '../../kernel/lifecycle.js'
import { createCurator, type Curator, type CuratorDeps } from './curator.js'

export type { Curator, CheckedHealth } from './curator.js'
export { curatorErrors } from './errors.js'

export const curatorVersion = '1.0.0'

/** The Curator and its own registry entry; the registry is in memory because every node registers its own services. */
export function createCuratorService(deps: CuratorDeps): { curator: Curator; service: PlatformService } {
  const curator = createCurator(deps)
  const service: PlatformService = {
    descriptor: {
      name: 'curator',
      realm: 'smart-city',
      version: curatorVersion,
      capabilities: ['service-registry', 'service-discovery', 'health-aggregation'],
    },
    healthCheck: () => Promise.resolve({ status: 'healthy', details: { registered: curator.list().length } }),
  }
  return { curator, service }
}
