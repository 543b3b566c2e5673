import type { Kysely } from 'kysely'
import type { Principal } from '../../../kernel/principal.js'
import type { SqlDatabase } from '../../../ports/sql-database.js'
import { conductorErrors } from '../errors.js'
import type { ConductorDb, ConductorTables } from '../tables.js'
import type { WorkflowDefinition, WorkflowSpec } from './types.js'
import { validateDefinition } from './validate.js'

/**
 * Workflow definitions per tenant: immutable once created, so each version is cached for good; a running execution
 * reads the version it started with. Creating without a version makes the next one.
 */
export function createDefinitionStore(database: SqlDatabase, now: () => number) {
  const db = database.db as Kysely<ConductorTables>
  const cache = new Map<string, WorkflowDefinition>()
  const keyOf = (tenantId: string, name: string, version: number) =>
    `${tenantId}\u0000${name}\u0000${version}`
  /** The latest version of each name this node has seen (another node may have made a newer one since). */
  const latestSeen = new Map<string, WorkflowDefinition>()
  const nameKey = (tenantId: string, name: string) => `${tenantId}\u0000${name}`

  function remember(tenantId: string, definition: WorkflowDefinition, latest: boolean): void {
    cache.set(keyOf(tenantId, definition.name, definition.version), definition)
    const key = nameKey(tenantId, definition.name)
    if (latest || (latestSeen.get(key)?.version ?? 0) < definition.version) latestSeen.set(key, definition)
  }

  async function get(
    store: ConductorDb,
    tenantId: string,
    name: string,
    version?: number,
  ): Promise<WorkflowDefinition> {
    if (version !== undefined) {
      const cached = cache.get(keyOf(tenantId, name, version))
      if (cached) return cached
    }
    let query = store
      .selectFrom('cd_workflows')
      .select(['version', 'definition'])
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
    query =
      version === undefined ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version)
    const row = await query.executeTakeFirst()
    if (!row)
      throw conductorErrors.WORKFLOW_NOT_FOUND({ name, version: version === undefined ? '' : ` v${version}` })
    const definition = { ...(JSON.parse(row.definition) as WorkflowSpec), version: Number(row.version) }
    remember(tenantId, definition, version === undefined)
    return definition
  }

  async function insert(principal: Principal, spec: WorkflowSpec & { version?: number }) {
    return database.transaction(async (trx) => {
      const store = trx as unknown as Kysely<ConductorTables>
      const latest = await store
        .selectFrom('cd_workflows')
        .select((eb) => eb.fn.max('version').as('version'))
        .where('tenant_id', '=', principal.tenantId)
        .where('name', '=', spec.name)
        .executeTakeFirst()
      const version = spec.version ?? Number(latest?.version ?? 0) + 1
      const { version: _ignored, ...body } = spec
      await store
        .insertInto('cd_workflows')
        .values({
          tenant_id: principal.tenantId,
          name: spec.name,
          version,
          definition: JSON.stringify(body),
          created_at: now(),
          created_by: principal.userId,
        })
        .execute()
      return { ...body, version }
    })
  }

  return {
    get,
    async create(principal: Principal, raw: unknown): Promise<WorkflowDefinition> {
      const spec = validateDefinition(raw) as WorkflowSpec & { version?: number }
      for (let attempt = 0; ; attempt++) {
        try {
          const created = await insert(principal, spec)
          remember(principal.tenantId, created, false)
          return created
        } catch (error) {
          if (database.classifyError(error) !== 'unique_violation') throw error
          if (spec.version !== undefined || attempt >= 4) {
            throw conductorErrors.WORKFLOW_VERSION_EXISTS({
              name: spec.name,
              version: spec.version ?? 'next',
            })
          }
        }
      }
    },
    latest: (tenantId: string, name: string) => get(db, tenantId, name),
    /** The latest version this node has seen, without asking the database; a caller must check it is still latest. */
    latestSeen: (tenantId: string, name: string) => latestSeen.get(nameKey(tenantId, name)),
    version: (tenantId: string, name: string, version: number) => get(db, tenantId, name, version),
    /** The latest version of each workflow, by name. */
    async list(tenantId: string) {
      const rows = await db
        .selectFrom('cd_workflows')
        .select([
          'name',
          (eb) => eb.fn.max('version').as('latest'),
          (eb) => eb.fn.count('version').as('versions'),
        ])
        .where('tenant_id', '=', tenantId)
        .groupBy('name')
        .orderBy('name')
        .execute()
      return rows.map((r) => ({
        name: r.name,
        latestVersion: Number(r.latest),
        versions: Number(r.versions),
      }))
    },
    async versions(tenantId: string, name: string) {
      const rows = await db
        .selectFrom('cd_workflows')
        .select(['version', 'created_at', 'created_by'])
        .where('tenant_id', '=', tenantId)
        .where('name', '=', name)
        .orderBy('version')
        .execute()
      if (rows.length === 0) throw conductorErrors.WORKFLOW_NOT_FOUND({ name, version: '' })
      return rows.map((r) => ({
        version: Number(r.version),
        createdAt: Number(r.created_at),
        createdBy: r.created_by,
      }))
    },
  }
}

export type DefinitionStore = ReturnType<typeof createDefinitionStore>
