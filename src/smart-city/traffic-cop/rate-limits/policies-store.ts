import type { Kysely } from 'kysely'
import type { NamedRateLimitPolicy, RateLimitScope } from '../../../kernel/rate-limit-policy.js'
import type { SqlDatabase } from '../../../ports/sql-database.js'

interface PolicyTables {
  tc_rate_limit_policies: {
    tenant_id: string
    name: string
    scope: string
    limit_count: number
    window_seconds: number
    routes: string
    created_at: number
    updated_at: number
  }
}

export interface TenantPolicyRecord extends NamedRateLimitPolicy {
  tenantId: string
  createdAt: number
  updatedAt: number
}

type Row = PolicyTables['tc_rate_limit_policies']

function toRecord(row: Row): TenantPolicyRecord {
  return {
    tenantId: row.tenant_id,
    name: row.name,
    scope: row.scope as RateLimitScope,
    limit: Number(row.limit_count),
    windowSeconds: Number(row.window_seconds),
    routes: JSON.parse(row.routes) as string[],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

/** Every query is filtered by the tenant. */
export function createPoliciesStore(database: SqlDatabase) {
  const db = database.db as Kysely<PolicyTables>
  return {
    async list(tenantId: string): Promise<TenantPolicyRecord[]> {
      const rows = await db
        .selectFrom('tc_rate_limit_policies')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('name')
        .execute()
      return rows.map(toRecord)
    },

    async count(tenantId: string): Promise<number> {
      const row = await db
        .selectFrom('tc_rate_limit_policies')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst()
      return Number(row?.n ?? 0)
    },

    /** Creates or replaces the tenant's policy; answers whether it was created. */
    async upsert(record: TenantPolicyRecord): Promise<boolean> {
      const values = {
        scope: record.scope,
        limit_count: record.limit,
        window_seconds: record.windowSeconds,
        routes: JSON.stringify(record.routes),
        updated_at: record.updatedAt,
      }
      const updated = await db
        .updateTable('tc_rate_limit_policies')
        .set(values)
        .where('tenant_id', '=', record.tenantId)
        .where('name', '=', record.name)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 1) return false
      await db
        .insertInto('tc_rate_limit_policies')
        .values({ ...values, tenant_id: record.tenantId, name: record.name, created_at: record.createdAt })
        .execute()
      return true
    },

    async delete(tenantId: string, name: string): Promise<boolean> {
      const result = await db
        .deleteFrom('tc_rate_limit_policies')
        .where('tenant_id', '=', tenantId)
        .where('name', '=', name)
        .executeTakeFirst()
      return Number(result.numDeletedRows) === 1
    },
  }
}

export type PoliciesStore = ReturnType<typeof createPoliciesStore>
