import type { Kysely, Transaction } from 'kysely'

/** The Post Office's tables (portable columns: ids text, epoch-ms bigints, JSON as text). */
export interface PostOfficeTables {
  po_messages: {
    id: string
    tenant_id: string
    recipient: string
    type: string
    sender: string
    correlation_id: string | null
    payload: string
    created_at: number
    attempts: number
    /** `queued` (in the mailbox, maybe leased) or `dead` (a dead letter). */
    status: string
    /** When the message can next be received: its send time, or the end of its current lease. */
    visible_at: number
    /** The current lease's receipt; null when not leased (new, or nacked). */
    receipt: string | null
    dead_at: number | null
    last_error: string | null
  }
  po_events: {
    id: string
    tenant_id: string
    type: string
    payload: string
    source: string
    created_at: number
    /** `pending` until the dispatcher has made one delivery row per matching subscription, then `routed`. */
    status: string
    routed_at: number | null
  }
  po_subscriptions: {
    id: string
    tenant_id: string
    pattern: string
    target_kind: string
    target: string
    created_by: string
    created_at: number
  }
  po_deliveries: {
    id: string
    tenant_id: string
    event_id: string
    subscription_id: string
    event_type: string
    /** `pending`, `delivered` or `dead`. */
    status: string
    attempts: number
    /** When a pending delivery is next due; while an attempt runs, the end of that attempt's claim. */
    next_attempt_at: number
    last_error: string | null
    created_at: number
    delivered_at: number | null
  }
  po_agents: {
    id: string
    tenant_id: string
    name: string
    capabilities: string
    mailbox: string
    created_by: string
    created_at: number
  }
}

export type PostOfficeDb = Kysely<PostOfficeTables> | Transaction<PostOfficeTables>
