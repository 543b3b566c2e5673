import type { Clock } from '../../../kernel/clock.js'
import { createTimeOrderedIdGenerator } from '../../../kernel/ids.js'
import type { SqlDatabase } from '../../../ports/sql-database.js'
import { loadBalancingErrors } from '../../traffic-cop/load-balancing/errors.js'
import type { ExternalService, InstanceInput, ServiceInstance, StrategyName } from './instance.js'

/**
 * The shared registry of a tenant's external services and their instances, in SQL so every node sees the same
 * records. An instance lives until `expiresAt`; each heartbeat moves it to now + TTL. Expired rows read as absent
 * everywhere and are purged lazily. Every method is scoped by tenant: another tenant's name or id is not found.
 */
export interface InstanceRegistry {
  register(tenantId: string, service: string, input: InstanceInput): Promise<ServiceInstance>
  deregister(tenantId: string, service: string, id: string): Promise<void>
  heartbeat(tenantId: string, service: string, id: string): Promise<ServiceInstance>
  instances(tenantId: string, service: string): Promise<ServiceInstance[]>
  service(tenantId: string, name: string): Promise<ExternalService | undefined>
  services(tenantId: string): Promise<ExternalService[]>
  setStrategy(tenantId: string, name: string, strategy: StrategyName): Promise<ExternalService>
  /** Live instances of every tenant (for active health checks), at most `limit`. */
  allLive(limit: number): Promise<ServiceInstance[]>
}

export interface InstanceRegistryDeps {
  database: SqlDatabase
  clock: Clock
  ttlSeconds: number
}

interface InstanceRow {
  id: string
  tenant_id: string
  service: string
  url: string
  weight: number
  health_url: string | null
  capabilities: string
  registered_at: number | string
  heartbeat_at: number | string
  expires_at: number | string
}

interface ServiceRow {
  tenant_id: string
  name: string
  strategy: StrategyName
}

const defaultStrategy: StrategyName = 'round-robin'

export function createSqlInstanceRegistry(deps: InstanceRegistryDeps): InstanceRegistry {
  // Instances are listed (and balanced round-robin) in registration order, (registered_at, id): ids that sort by
  // creation keep instances registered in the same millisecond in the order they came.
  const instanceIds = createTimeOrderedIdGenerator(() => deps.clock.now())
  const { db } = deps.database
  const ttlMs = deps.ttlSeconds * 1000

  const toInstance = (row: InstanceRow): ServiceInstance => ({
    id: row.id,
    tenantId: row.tenant_id,
    service: row.service,
    url: row.url,
    weight: Number(row.weight),
    healthUrl: row.health_url,
    capabilities: JSON.parse(row.capabilities) as string[],
    registeredAt: Number(row.registered_at),
    heartbeatAt: Number(row.heartbeat_at),
    expiresAt: Number(row.expires_at),
  })

  async function findService(tenantId: string, name: string): Promise<ExternalService | undefined> {
    const row: ServiceRow | undefined = await db
      .selectFrom('tc_external_services')
      .select(['tenant_id', 'name', 'strategy'])
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst()
    return row && { tenantId: row.tenant_id, name: row.name, strategy: row.strategy }
  }

  async function ensureService(tenantId: string, name: string): Promise<void> {
    const now = deps.clock.now()
    await db
      .insertInto('tc_external_services')
      .values({ tenant_id: tenantId, name, strategy: defaultStrategy, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'name']).doNothing())
      .execute()
  }

  async function liveInstance(tenantId: string, service: string, id: string): Promise<ServiceInstance> {
    const row = (await db
      .selectFrom('tc_service_instances')
      .selectAll()
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .where('service', '=', service)
      .where('expires_at', '>', deps.clock.now())
      .executeTakeFirst()) as InstanceRow | undefined
    if (!row) throw loadBalancingErrors.INSTANCE_NOT_FOUND({ id, name: service })
    return toInstance(row)
  }

  return {
    async register(tenantId, service, input) {
      await ensureService(tenantId, service)
      const now = deps.clock.now()
      const row: InstanceRow = {
        id: instanceIds.next('ins'),
        tenant_id: tenantId,
        service,
        url: input.url,
        weight: input.weight ?? 1,
        health_url: input.healthUrl ?? null,
        capabilities: JSON.stringify(input.capabilities ?? []),
        registered_at: now,
        heartbeat_at: now,
        expires_at: now + ttlMs,
      }
      await db.insertInto('tc_service_instances').values(row).execute()
      await db
        .deleteFrom('tc_service_instances')
        .where('tenant_id', '=', tenantId)
        .where('service', '=', service)
        .where('expires_at', '<=', now)
        .execute()
      return toInstance(row)
    },
    async deregister(tenantId, service, id) {
      const result = await db
        .deleteFrom('tc_service_instances')
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .where('service', '=', service)
        .where('expires_at', '>', deps.clock.now())
        .executeTakeFirst()
      if (Number(result.numDeletedRows) === 0)
        throw loadBalancingErrors.INSTANCE_NOT_FOUND({ id, name: service })
    },
    async heartbeat(tenantId, service, id) {
      const now = deps.clock.now()
      const result = await db
        .updateTable('tc_service_instances')
        .set({ heartbeat_at: now, expires_at: now + ttlMs })
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .where('service', '=', service)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0)
        throw loadBalancingErrors.INSTANCE_NOT_FOUND({ id, name: service })
      return liveInstance(tenantId, service, id)
    },
    async instances(tenantId, service) {
      const rows = (await db
        .selectFrom('tc_service_instances')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('service', '=', service)
        .where('expires_at', '>', deps.clock.now())
        .orderBy('registered_at')
        .orderBy('id')
        .execute()) as InstanceRow[]
      return rows.map(toInstance)
    },
    service: findService,
    async services(tenantId) {
      const rows = (await db
        .selectFrom('tc_external_services')
        .select(['tenant_id', 'name', 'strategy'])
        .where('tenant_id', '=', tenantId)
        .orderBy('name')
        .execute()) as { tenant_id: string; name: string; strategy: StrategyName }[]
      return rows.map((r) => ({ tenantId: r.tenant_id, name: r.name, strategy: r.strategy }))
    },
    async allLive(limit) {
      const rows = (await db
        .selectFrom('tc_service_instances')
        .selectAll()
        .where('expires_at', '>', deps.clock.now())
        .orderBy('id')
        .limit(limit)
        .execute()) as InstanceRow[]
      return rows.map(toInstance)
    },
    async setStrategy(tenantId, name, strategy) {
      await ensureService(tenantId, name)
      await db
        .updateTable('tc_external_services')
        .set({ strategy, updated_at: deps.clock.now() })
        .where('tenant_id', '=', tenantId)
        .where('name', '=', name)
        .execute()
      return { tenantId, name, strategy }
    },
  }
}
