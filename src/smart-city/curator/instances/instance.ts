/** An external upstream of a tenant's service, as registered with the Curator. */
export interface ServiceInstance {
  id: string
  tenantId: string
  service: string
  url: string
  weight: number
  healthUrl: string | null
  capabilities: string[]
  registeredAt: number
  heartbeatAt: number
  expiresAt: number
}

export const strategies = [
  'round-robin',
  'least-connections',
  'weighted',
  'latency',
  'consistent-hash',
] as const
export type StrategyName = (typeof strategies)[number]

export interface ExternalService {
  tenantId: string
  name: string
  strategy: StrategyName
}

export interface InstanceInput {
  url: string
  weight?: number
  healthUrl?: string
  capabilities?: string[]
}
