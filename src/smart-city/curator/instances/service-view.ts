import type { ExternalServiceView } from './schemas.js'

/**
 * An external service in the Curator's service-view shape: realm `external`, capabilities of its instances, and
 * health from this node's view of them (healthy when all are available, degraded when some, unhealthy when none).
 */
export function externalServiceView(service: ExternalServiceView, now: number) {
  const available = service.instances.filter((i) => i.available).length
  const status: 'healthy' | 'degraded' | 'unhealthy' =
    available === 0 ? 'unhealthy' : available === service.instances.length ? 'healthy' : 'degraded'
  return {
    name: service.name,
    realm: 'external',
    version: '',
    capabilities: [...new Set(service.instances.flatMap((i) => i.capabilities))].sort(),
    dependsOn: [],
    strategy: service.strategy,
    instances: service.instances,
    health: {
      status,
      details: { available, registered: service.instances.length },
      checkedAt: now,
      latencyMs: 0,
    },
  }
}
