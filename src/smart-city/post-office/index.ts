import type { PlatformService } from '../../kernel/lifecycle.js'
import type { Curator } from '../curator/curator.js'
import { createAgents, type Agents } from './agents.js'
import type { PostOfficeDeps } from './deps.js'
import { createDispatcher, type Dispatcher } from './dispatcher.js'
import { createRetention, type Retention } from './retention.js'
import { createEventPublisher, type PublishInput } from './events.js'
import { createMailboxes, type Mailboxes } from './mailboxes.js'
import { type Resolver, systemResolver } from './outbound-address.js'
import { createSubscriptions, type Subscriptions } from './subscriptions.js'
import { createTargetDelivery, type WorkflowStarter } from './targets.js'
import type { RawBuilder, Transaction } from 'kysely'
import type { AnyDatabase } from '../../ports/sql-database.js'
import type { Rows } from '../../ports/sql-row-lists.js'

export { postOfficeMigrations } from './migrations.js'
export { postOfficeErrors } from './errors.js'
export type { PostOfficeDeps } from './deps.js'
export type { PublishInput } from './events.js'
export type { WorkflowStart, WorkflowStarter } from './targets.js'

export const postOfficeVersion = '1.0.0'

/**
 * The Post Office: durable mailboxes (lease, ack, nack, redelivery, dead letters), events published through a
 * transactional outbox and routed by topic pattern to mailboxes, WebSocket channels, webhooks and workflows, and
 * agent registration. Smart City services and realms send notifications through `notify` (an event), never
 * through pub/sub directly.
 */
export interface PostOffice {
  readonly mailboxes: Mailboxes
  readonly subscriptions: Subscriptions
  readonly agents: Agents
  readonly dispatcher: Dispatcher
  readonly retention: Retention
  readonly events: {
    /** Writes the event in the caller's transaction: published if and only if `trx` commits. Call `wake()` after. */
    publishInTransaction(trx: Transaction<AnyDatabase>, input: PublishInput): Promise<{ id: string }>
    /** The insert of these events, for a caller's own atomic write (see events.ts). Call `wake()` after it commits. */
    outboxInsert(inputs: Rows<PublishInput>): RawBuilder<unknown>
    publish(input: PublishInput): Promise<{ id: string }>
    wake(): Promise<void>
  }
  /** A notification from a service or realm: an event of type `type`, delivered to its subscribers. */
  notify(input: PublishInput): Promise<{ id: string }>
  /** Attaches (or detaches) the Conductor's workflow start for `workflow` targets. */
  setWorkflowStarter(starter: WorkflowStarter | undefined): void
}

export interface PostOfficeServiceDeps extends PostOfficeDeps {
  curator: Curator
  /** DNS resolution for webhook targets (tests replace it). */
  resolve?: Resolver
}

export function createPostOfficeService(deps: PostOfficeServiceDeps): {
  postOffice: PostOffice
  service: PlatformService
} {
  const resolve = deps.resolve ?? systemResolver
  const mailboxes = createMailboxes(deps)
  const events = createEventPublisher(deps)
  const subscriptions = createSubscriptions(deps, resolve)
  const agents = createAgents(deps)
  const targets = createTargetDelivery(deps, resolve)
  const dispatcher = createDispatcher(deps, { mailboxes, targets })
  const retention = createRetention(deps)
  deps.curator.attachAgents(agents.directory)

  const postOffice: PostOffice = {
    mailboxes,
    subscriptions,
    agents,
    dispatcher,
    retention,
    events,
    notify: (input) => events.publish(input),
    setWorkflowStarter: (starter) => targets.setWorkflowStarter(starter),
  }
  const service: PlatformService = {
    descriptor: {
      name: 'post-office',
      realm: 'smart-city',
      version: postOfficeVersion,
      capabilities: ['messaging', 'mailboxes', 'events', 'event-subscriptions', 'webhooks', 'agents'],
      dependsOn: ['curator', 'security-guard', 'traffic-cop'],
    },
    async start() {
      await mailboxes.wakeups.start()
      await dispatcher.start()
      retention.start()
    },
    async stop() {
      await mailboxes.wakeups.stop()
      await dispatcher.stop()
      await retention.stop()
    },
    async healthCheck() {
      try {
        await deps.database.ping()
        return { status: 'healthy' }
      } catch (error) {
        return {
          status: 'unhealthy',
          details: { reason: error instanceof Error ? error.message : 'database unreachable' },
        }
      }
    },
  }
  return { postOffice, service }
}
