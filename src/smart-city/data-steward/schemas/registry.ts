import type { Kysely } from 'kysely'
import type { PageRequest } from '../../../kernel/pagination.js'
import { pageByCreation } from '../../../ports/sql-pagination.js'
import type { DataStewardDeps, TenantContext } from '../deps.js'
import { dataStewardErrors } from '../errors.js'
import type { DataStewardTables } from '../tables.js'
import { type JsonSchema, type RecordError, type Validator, compileSchema, recordErrors } from './compile.js'
import { createLruCache } from './validator-cache.js'

export interface SchemaRecord {
  id: string
  name: string
  version: number
  jsonSchema: JsonSchema
  createdBy: string
  createdAt: number
}

export interface SchemaSummary {
  name: string
  latestVersion: number
  createdAt: number
  updatedAt: number
}

export interface ValidationResult {
  valid: boolean
  /** Records that failed, of those given. */
  invalidRecords: number
  errors: RecordError[]
  /** True when more errors were found than `maxErrors` returned. */
  errorsTruncated: boolean
}

export const maxValidateRecords = 1000
const maxErrors = 1000
const cachedValidators = 256

type Row = DataStewardTables['steward_schemas']

function toSchema(row: Row): SchemaRecord {
  return {
    id: row.id,
    name: row.name,
    version: Number(row.version),
    jsonSchema: JSON.parse(row.json_schema) as JsonSchema,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  }
}

/** Runs a validator over records, collecting Ajv's errors by record index (bounded). */
export function validateRecords(validate: Validator, records: readonly unknown[]): ValidationResult {
  const errors: RecordError[] = []
  let invalidRecords = 0
  let errorsTruncated = false
  records.forEach((record, index) => {
    if (validate(record)) return
    invalidRecords++
    for (const error of recordErrors(index, validate.errors)) {
      if (errors.length < maxErrors) errors.push(error)
      else errorsTruncated = true
    }
  })
  return { valid: invalidRecords === 0, invalidRecords, errors, errorsTruncated }
}

/**
 * Named JSON Schemas per tenant, each registration a new immutable version (latest by default). Compiled
 * validators are kept in a bounded LRU keyed by tenant, name and version; versions never change, so entries never
 * go stale.
 */
export function createSchemaRegistry(deps: DataStewardDeps) {
  const db = deps.database.db as Kysely<DataStewardTables>
  const validators = createLruCache<Validator>(cachedValidators)

  async function get(tenantId: string, name: string, version?: number): Promise<SchemaRecord> {
    let query = db
      .selectFrom('steward_schemas')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
    query =
      version === undefined ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version)
    const row = await query.executeTakeFirst()
    if (!row)
      throw dataStewardErrors.SCHEMA_NOT_FOUND({
        name,
        version: version === undefined ? '' : ` version ${version}`,
      })
    return toSchema(row)
  }

  function validatorOf(tenantId: string, schema: SchemaRecord): Validator {
    const key = `${tenantId}\u0000${schema.name}\u0000${schema.version}`
    let validate = validators.get(key)
    if (!validate) {
      validate = compileSchema(schema.jsonSchema)
      validators.set(key, validate)
    }
    return validate
  }

  async function validator(tenantId: string, name: string, version?: number) {
    const schema = await get(tenantId, name, version)
    return { schema, validate: validatorOf(tenantId, schema) }
  }

  return {
    get,
    /** The compiled validator of a schema (latest version unless given), from the cache when warm. */
    validator,

    /** Compiles `jsonSchema` (SCHEMA_INVALID / SCHEMA_REMOTE_REF when it cannot be used), then stores a new version. */
    async register(
      ctx: TenantContext,
      input: { name: string; jsonSchema: JsonSchema },
    ): Promise<SchemaRecord> {
      const validate = compileSchema(input.jsonSchema)
      try {
        const record = await deps.database.transaction(async (trx) => {
          const latest = await (trx as Kysely<DataStewardTables>)
            .selectFrom('steward_schemas')
            .select((eb) => eb.fn.max('version').as('version'))
            .where('tenant_id', '=', ctx.tenantId)
            .where('name', '=', input.name)
            .executeTakeFirst()
          const schema: SchemaRecord = {
            id: deps.ids.next('sch'),
            name: input.name,
            version: Number(latest?.version ?? 0) + 1,
            jsonSchema: input.jsonSchema,
            createdBy: ctx.userId,
            createdAt: deps.clock.now(),
          }
          await (trx as Kysely<DataStewardTables>)
            .insertInto('steward_schemas')
            .values({
              id: schema.id,
              tenant_id: ctx.tenantId,
              name: schema.name,
              version: schema.version,
              json_schema: JSON.stringify(schema.jsonSchema),
              created_by: schema.createdBy,
              created_at: schema.createdAt,
            })
            .execute()
          return schema
        })
        validators.set(`${ctx.tenantId}\u0000${record.name}\u0000${record.version}`, validate)
        return record
      } catch (error) {
        if (deps.database.classifyError(error) === 'unique_violation')
          throw dataStewardErrors.SCHEMA_VERSION_CONFLICT({ name: input.name })
        throw error
      }
    },

    /** One entry per schema name, in the order names were first registered, with its latest version. */
    async list(tenantId: string, page: PageRequest) {
      const firsts = await pageByCreation(
        db
          .selectFrom('steward_schemas')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('version', '=', 1),
        page,
        (row) => row,
      )
      const names = firsts.items.map((r) => r.name)
      const latest =
        names.length === 0
          ? []
          : await db
              .selectFrom('steward_schemas')
              .select((eb) => [
                'name',
                eb.fn.max('version').as('version'),
                eb.fn.max('created_at').as('updated'),
              ])
              .where('tenant_id', '=', tenantId)
              .where('name', 'in', names)
              .groupBy('name')
              .execute()
      const byName = new Map(latest.map((l) => [l.name, l]))
      const items: SchemaSummary[] = firsts.items.map((row) => ({
        name: row.name,
        latestVersion: Number(byName.get(row.name)?.version ?? 1),
        createdAt: Number(row.created_at),
        updatedAt: Number(byName.get(row.name)?.updated ?? row.created_at),
      }))
      return { items, nextCursor: firsts.nextCursor }
    },

    async validate(tenantId: string, name: string, records: readonly unknown[], version?: number) {
      if (records.length > maxValidateRecords)
        throw dataStewardErrors.TOO_MANY_RECORDS({ max: maxValidateRecords })
      const { schema, validate } = await validator(tenantId, name, version)
      return { schema: { name: schema.name, version: schema.version }, ...validateRecords(validate, records) }
    },
  }
}

export type SchemaRegistry = ReturnType<typeof createSchemaRegistry>
