import { Type, type Static } from 'typebox'
import type { strategies } from './instance.js'

export const Strategy = Type.Union([
  Type.Literal('round-robin'),
  Type.Literal('least-connections'),
  Type.Literal('weighted'),
  Type.Literal('latency'),
  Type.Literal('consistent-hash'),
])

/** An external instance with what this node observes of it (health, circuit, load). */
export const InstanceView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  weight: Type.Integer(),
  healthUrl: Type.Union([Type.String(), Type.Null()]),
  capabilities: Type.Array(Type.String()),
  registeredAt: Type.String({ format: 'date-time' }),
  lastHeartbeatAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  health: Type.Union([
    Type.Literal('healthy'),
    Type.Literal('unhealthy'),
    Type.Literal('ejected'),
    Type.Literal('unknown'),
  ]),
  circuit: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')]),
  available: Type.Boolean(),
  inFlight: Type.Integer(),
  latencyMs: Type.Union([Type.Integer(), Type.Null()]),
  consecutiveFailures: Type.Integer(),
})
export type InstanceView = Static<typeof InstanceView>

export interface ExternalServiceView {
  name: string
  strategy: (typeof strategies)[number]
  instances: InstanceView[]
}

/** How the Curator reaches a tenant's external services; the Traffic Cop's load balancing provides it. */
export interface ExternalServiceDirectory {
  describe(tenantId: string, name: string): Promise<ExternalServiceView | undefined>
  list(tenantId: string): Promise<ExternalServiceView[]>
}
