/**
 * What every platform service exposes to the City Manager (lifecycle) and the Curator (registry, health).
 * `start`/`stop` are optional: a stateless service has nothing to open or close. `dependsOn` names services that
 * must be running first; the City Manager orders starts by it and stops in reverse.
 */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy'

export interface HealthReport {
  status: HealthStatus
  details?: Record<string, unknown>
}

export interface ServiceDescriptor {
  name: string
  realm: 'smart-city' | 'business-enablement' | 'experience' | 'journey' | 'solution' | 'use-case'
  version: string
  capabilities: string[]
  dependsOn?: string[]
}

export interface PlatformService {
  descriptor: ServiceDescriptor
  start?(): Promise<void>
  stop?(): Promise<void>
  healthCheck(): Promise<HealthReport>
}
