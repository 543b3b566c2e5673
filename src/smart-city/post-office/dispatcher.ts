import { type Kysely, sql } from 'kysely'
import type { TimerHandle } from '../../kernel/clock.js'
import type { Subscription } from '../../ports/pub-sub.js'
import type { PostOfficeDeps } from './deps.js'
import { outboxHintChannel } from './events.js'
import type { Mailboxes } from './mailboxes.js'
import type { Target } from './subscriptions.js'
import type { PostOfficeTables } from './tables.js'
import type { DeliveredEvent, TargetDelivery } from './targets.js'
import { matchesPattern } from './topics.js'

/**
 * The outbox dispatcher, one per node; any number run at once. A pass (1) routes pending outbox events: in one
 * transaction it claims them by marking them routed (SKIP LOCKED on PostgreSQL; SQLite write transactions are
 * exclusive) and writes one delivery row per matching subscription; then (2) claims due deliveries by pushing their
 * due time out by a claim period and counting the attempt, and attempts each. Success marks the delivery done,
 * failure schedules the next attempt with exponential backoff and jitter (capped), and the last allowed failure
 * marks it dead. A node that dies mid-attempt leaves the claim to expire and another node retries: at least once.
 * Outcomes are written only if the row is still at the claimed attempt, so a late stale attempt changes nothing.
 * Passes run on a pub/sub hint after a commit and every `pollMs` otherwise (through the clock, so tests drive it).
 */
const batchSize = 200
const maxRoundsPerPass = 20
const insertChunk = 100
const busyGapMs = 50

type DeliveryRow = PostOfficeTables['po_deliveries']

export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 40))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

export function createDispatcher(
  deps: PostOfficeDeps,
  parts: { mailboxes: Mailboxes; targets: TargetDelivery },
) {
  const db = deps.database.db as Kysely<PostOfficeTables>
  const { settings } = deps
  const claimMs = settings.webhookTimeoutMs + 30_000
  let chain: Promise<void> = Promise.resolve()
  let queued = false
  let stopped = true
  let timer: TimerHandle | undefined
  let hints: Subscription | undefined
  let lastPassStart = -Infinity

  /**
   * Set when due deliveries may be waiting: at start, on every poll and `runOnce`, after a claim that filled its
   * batch. A pass woken by a commit's hint otherwise claims only the deliveries it just routed: retries and the
   * claims of nodes that died come due on their own time, and the poll finds them.
   */
  let claimWanted = true

  /** Routes pending outbox events and claims due deliveries, in one transaction. */
  async function routeAndClaim(): Promise<{ routed: number; due: DeliveryRow[] }> {
    return deps.database.transaction(async (trx) => {
      const store = trx as unknown as Kysely<PostOfficeTables>
      const { routed, deliveries } = await route(store)
      if (!claimWanted && deliveries === 0) return { routed, due: [] }
      claimWanted = false
      const due = await claimDue(store)
      if (due.length >= batchSize) claimWanted = true
      return { routed, due }
    })
  }

  /** Marks the oldest pending events routed, and answers them in order; the caller's transaction routes them. */
  async function claimPending(store: Kysely<PostOfficeTables>, now: number) {
    const locking = deps.database.dialect === 'postgres'
    // Every routed event leaves a dead entry in the pending index until the next vacuum, thousands under load. A
    // bitmap scan (PostgreSQL's choice for a handful of rows) reads them all on every pass; a plain index scan marks
    // each one dead the first time it passes it, and stops at the LIMIT.
    if (locking) await sql`set local enable_bitmapscan = off`.execute(store)
    const events = await store
      .with(
        (cte) => cte('pending').materialized(),
        (q) => {
          const pending = q
            .selectFrom('po_events')
            .select('id')
            .where('status', '=', 'pending')
            .orderBy('created_at')
            .orderBy('id')
            .limit(batchSize)
          return locking ? pending.forUpdate().skipLocked() : pending
        },
      )
      .updateTable('po_events')
      .set({ status: 'routed', routed_at: now })
      .where('id', 'in', (eb) => eb.selectFrom('pending').select('pending.id'))
      .returning(['id', 'tenant_id', 'type', 'created_at'])
      .execute()
    return events.sort((a, b) => Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : 1))
  }

  /** How many events it routed and how many deliveries that made. */
  async function route(store: Kysely<PostOfficeTables>): Promise<{ routed: number; deliveries: number }> {
    const now = deps.clock.now()
    const events = await claimPending(store, now)
    if (events.length === 0) return { routed: 0, deliveries: 0 }
    const tenantIds = [...new Set(events.map((e) => e.tenant_id))]
    const subscriptions = await store
      .selectFrom('po_subscriptions')
      .select(['id', 'tenant_id', 'pattern'])
      .where('tenant_id', 'in', tenantIds)
      .execute()
    const rows = events.flatMap((event) =>
      subscriptions
        .filter((s) => s.tenant_id === event.tenant_id && matchesPattern(s.pattern, event.type))
        .map((s) => ({
          id: deps.ids.next('dlv'),
          tenant_id: event.tenant_id,
          event_id: event.id,
          subscription_id: s.id,
          event_type: event.type,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          last_error: null,
          created_at: now,
          delivered_at: null,
        })),
    )
    for (let i = 0; i < rows.length; i += insertChunk) {
      await store
        .insertInto('po_deliveries')
        .values(rows.slice(i, i + insertChunk))
        .onConflict((oc) => oc.columns(['event_id', 'subscription_id']).doNothing())
        .execute()
    }
    return { routed: events.length, deliveries: rows.length }
  }

  async function claimDue(store: Kysely<PostOfficeTables>): Promise<DeliveryRow[]> {
    const now = deps.clock.now()
    const locking = deps.database.dialect === 'postgres'
    return store
      .with(
        (cte) => cte('due').materialized(),
        (q) => {
          const due = q
            .selectFrom('po_deliveries')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .orderBy('next_attempt_at')
            .limit(batchSize)
          return locking ? due.forUpdate().skipLocked() : due
        },
      )
      .updateTable('po_deliveries')
      .set({ attempts: sql`attempts + 1`, next_attempt_at: now + claimMs })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .returningAll()
      .execute()
  }

  /** The outcome of the claimed attempt, if the row is still at it. */
  function settle(store: Kysely<PostOfficeTables>, row: DeliveryRow) {
    return store
      .updateTable('po_deliveries')
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', Number(row.attempts))
  }

  async function attempt(row: DeliveryRow): Promise<void> {
    const [subscription, event] = await Promise.all([
      db.selectFrom('po_subscriptions').selectAll().where('id', '=', row.subscription_id).executeTakeFirst(),
      db.selectFrom('po_events').selectAll().where('id', '=', row.event_id).executeTakeFirst(),
    ])
    if (!subscription || !event) {
      await db.deleteFrom('po_deliveries').where('id', '=', row.id).execute()
      return
    }
    const delivered: DeliveredEvent = {
      id: event.id,
      tenantId: event.tenant_id,
      type: event.type,
      source: event.source,
      payload: JSON.parse(event.payload) as unknown,
      createdAt: Number(event.created_at),
    }
    const target = JSON.parse(subscription.target) as Target
    try {
      if (target.kind === 'mailbox') {
        await deliverToMailbox(row, delivered, target.mailbox)
      } else {
        await parts.targets.deliver(target, delivered, {
          deliveryId: row.id,
          subscriptionId: subscription.id,
        })
        await settle(db, row)
          .set({ status: 'delivered', delivered_at: deps.clock.now(), last_error: null })
          .execute()
      }
    } catch (error) {
      await recordFailure(row, error)
    }
  }

  /** Exactly once into the mailbox: the message and the delivery's completion commit together. */
  async function deliverToMailbox(row: DeliveryRow, event: DeliveredEvent, mailbox: string): Promise<void> {
    const done = await deps.database.transaction(async (trx) => {
      const store = trx as unknown as Kysely<PostOfficeTables>
      const marked = await settle(store, row)
        .set({ status: 'delivered', delivered_at: deps.clock.now(), last_error: null })
        .executeTakeFirst()
      if (Number(marked.numUpdatedRows) === 0) return false
      await parts.mailboxes.send(
        {
          tenantId: event.tenantId,
          recipient: mailbox,
          type: event.type,
          sender: event.source,
          payload: event.payload,
          correlationId: event.id,
        },
        store,
      )
      return true
    })
    if (done) await parts.mailboxes.wakeups.hint(event.tenantId, mailbox)
  }

  async function recordFailure(row: DeliveryRow, error: unknown): Promise<void> {
    const attempts = Number(row.attempts)
    const dead = attempts >= settings.eventMaxAttempts
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500)
    const now = deps.clock.now()
    deps.logger.debug({ deliveryId: row.id, attempts, reason }, 'event delivery attempt failed')
    await settle(db, row)
      .set({
        status: dead ? 'dead' : 'pending',
        next_attempt_at: dead ? now : now + retryDelayMs(attempts, settings.retryBaseMs, settings.retryMaxMs),
        last_error: reason,
      })
      .execute()
  }

  async function pass(): Promise<void> {
    lastPassStart = performance.now()
    for (let round = 0; round < maxRoundsPerPass; round++) {
      const { routed, due } = await routeAndClaim()
      await Promise.all(due.map((row) => attempt(row)))
      // Short batches mean both queues were drained; whatever commits later kicks a pass of its own.
      if (routed < batchSize && due.length < batchSize) return
    }
  }

  function enqueue(): Promise<void> {
    const next = chain.then(pass)
    chain = next.catch((error: unknown) => deps.logger.warn({ err: error }, 'event dispatch pass failed'))
    return next
  }

  /**
   * Hints that arrive in the same turn of the event loop share one pass, which starts at the end of the turn.
   * Passes start at most every `busyGapMs`, so that under a stream of commits one pass routes the events of many
   * instead of a pass per commit: a pass costs a transaction whatever it finds, nothing included (a commit whose
   * events went to no subscription hints all the same), and at 20 ms apart passes took about 3% of the Conductor's
   * throughput in its benchmark. Under load an event therefore waits up to that long for routing; a hint after a
   * quiet spell starts a pass at once.
   */
  function kick(): void {
    if (queued || stopped) return
    queued = true
    const go = () => {
      chain = chain.then(() => {
        queued = false
      })
      if (!stopped) void enqueue().catch(() => undefined)
    }
    const wait = lastPassStart + busyGapMs - performance.now()
    if (wait > 0) setTimeout(go, wait)
    else setImmediate(go)
  }

  function schedule(): void {
    timer = deps.clock.setTimer(settings.pollMs, () => {
      claimWanted = true
      kick()
      if (!stopped) schedule()
    })
  }

  return {
    /** Runs one full pass after any pass already running; resolves when it is done (tests, benchmarks). */
    runOnce(): Promise<void> {
      claimWanted = true
      return enqueue()
    },
    kick,
    async start(): Promise<void> {
      stopped = false
      hints = await deps.pubSub
        .subscribe(outboxHintChannel, () => kick())
        .catch((error: unknown) => {
          deps.logger.warn({ err: error }, 'no outbox wake-up hints (pub/sub down); polling only')
          return undefined
        })
      schedule()
      kick()
    },
    async stop(): Promise<void> {
      stopped = true
      timer?.cancel()
      await hints?.unsubscribe()
      hints = undefined
      await chain
    },
  }
}

export type Dispatcher = ReturnType<typeof createDispatcher>
