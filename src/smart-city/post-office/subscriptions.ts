import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { PageRequest } from '../../kernel/pagination.js'
import { pageByCreation } from '../../ports/sql-pagination.js'
import type { PostOfficeDeps } from './deps.js'
import { postOfficeErrors } from './errors.js'
import { checkWebhookUrl, type Resolver } from './outbound-address.js'
import type { PostOfficeTables } from './tables.js'
import { checkMailboxName, checkPattern } from './topics.js'

/**
 * Subscriptions route a tenant's events whose type matches `pattern` to one target. Webhook secrets are stored
 * (they sign every delivery) and never shown again after creation; when none is given one is generated and
 * returned once.
 */
export type Target =
  | { kind: 'mailbox'; mailbox: string }
  | { kind: 'websocket' }
  | { kind: 'webhook'; url: string; secret: string }
  | { kind: 'workflow'; workflow: string; version?: number | undefined }

export type TargetInput =
  | { kind: 'mailbox'; mailbox?: string | undefined }
  | { kind: 'websocket' }
  | { kind: 'webhook'; url?: string | undefined; secret?: string | undefined }
  | { kind: 'workflow'; workflow?: string | undefined; version?: number | undefined }

export interface SubscriptionRecord {
  id: string
  tenantId: string
  pattern: string
  target: Target
  createdBy: string
  createdAt: number
}

export interface DeliveryRecord {
  id: string
  eventId: string
  eventType: string
  status: string
  attempts: number
  nextAttemptAt: number | null
  lastError: string | null
  createdAt: number
  deliveredAt: number | null
}

type SubscriptionRow = PostOfficeTables['po_subscriptions']

export function toSubscriptionRecord(row: SubscriptionRow): SubscriptionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    pattern: row.pattern,
    target: JSON.parse(row.target) as Target,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  }
}

export function createSubscriptions(deps: PostOfficeDeps, resolve: Resolver) {
  const db = deps.database.db as Kysely<PostOfficeTables>

  async function checkTarget(input: TargetInput): Promise<{ target: Target; generatedSecret?: string }> {
    switch (input.kind) {
      case 'mailbox':
        if (!input.mailbox) throw postOfficeErrors.MAILBOX_TARGET_INVALID()
        return { target: { kind: 'mailbox', mailbox: checkMailboxName(input.mailbox) } }
      case 'websocket':
        return { target: { kind: 'websocket' } }
      case 'workflow':
        if (!input.workflow) throw postOfficeErrors.WORKFLOW_TARGET_INVALID()
        return {
          target: {
            kind: 'workflow',
            workflow: input.workflow,
            ...(input.version !== undefined && { version: input.version }),
          },
        }
      case 'webhook': {
        const url = await checkWebhookUrl(input.url ?? '', deps.settings.webhookAllowHosts, resolve)
        const generatedSecret = input.secret ? undefined : randomBytes(32).toString('base64url')
        const secret = input.secret ?? generatedSecret!
        return {
          target: { kind: 'webhook', url: url.toString(), secret },
          ...(generatedSecret && { generatedSecret }),
        }
      }
    }
  }

  async function get(tenantId: string, id: string): Promise<SubscriptionRecord> {
    const row = await db
      .selectFrom('po_subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) throw postOfficeErrors.SUBSCRIPTION_NOT_FOUND({ id })
    return toSubscriptionRecord(row)
  }

  return {
    get,

    async create(tenantId: string, createdBy: string, input: { pattern: string; target: TargetInput }) {
      const pattern = checkPattern(input.pattern)
      const { target, generatedSecret } = await checkTarget(input.target)
      const record: SubscriptionRecord = {
        id: deps.ids.next('sub'),
        tenantId,
        pattern,
        target,
        createdBy,
        createdAt: deps.clock.now(),
      }
      await db
        .insertInto('po_subscriptions')
        .values({
          id: record.id,
          tenant_id: tenantId,
          pattern,
          target_kind: target.kind,
          target: JSON.stringify(target),
          created_by: createdBy,
          created_at: record.createdAt,
        })
        .execute()
      return { subscription: record, generatedSecret }
    },

    list(tenantId: string, page: PageRequest) {
      const query = db.selectFrom('po_subscriptions').selectAll().where('tenant_id', '=', tenantId)
      return pageByCreation(query, page, toSubscriptionRecord)
    },

    /** Deletes the subscription and its delivery records; deliveries in flight are dropped by the dispatcher. */
    async delete(tenantId: string, id: string): Promise<void> {
      await get(tenantId, id)
      await deps.database.transaction(async (trx) => {
        const store = trx as unknown as Kysely<PostOfficeTables>
        await store
          .deleteFrom('po_deliveries')
          .where('tenant_id', '=', tenantId)
          .where('subscription_id', '=', id)
          .execute()
        await store
          .deleteFrom('po_subscriptions')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute()
      })
    },

    async deliveries(tenantId: string, id: string, page: PageRequest) {
      await get(tenantId, id)
      const query = db
        .selectFrom('po_deliveries')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('subscription_id', '=', id)
      return pageByCreation(query, page, (row): DeliveryRecord => ({
        id: row.id,
        eventId: row.event_id,
        eventType: row.event_type,
        status: row.status,
        attempts: Number(row.attempts),
        nextAttemptAt: row.status === 'pending' ? Number(row.next_attempt_at) : null,
        lastError: row.last_error,
        createdAt: Number(row.created_at),
        deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
      }))
    },
  }
}

export type Subscriptions = ReturnType<typeof createSubscriptions>
