import { eventTopic } from '../traffic-cop/realtime/hub.js'
import type { PostOfficeDeps } from './deps.js'
import { postOfficeErrors } from './errors.js'
import type { Resolver } from './outbound-address.js'
import type { Target } from './subscriptions.js'
import { sendWebhook } from './webhook.js'

/**
 * Delivery to the targets that are not a mailbox (mailbox deliveries are a SQL insert the dispatcher makes in the
 * same transaction that marks the delivery done). Each function resolves when the target accepted the event and
 * throws when the attempt failed; the dispatcher retries.
 */
export interface DeliveredEvent {
  id: string
  tenantId: string
  type: string
  source: string
  payload: unknown
  createdAt: number
}

export interface WorkflowStart {
  tenantId: string
  workflow: string
  version?: number | undefined
  input: unknown
  /** `event:<eventId>:<subscriptionId>`: the same delivery retried must not start a second execution. */
  idempotencyKey: string
}

/** Starts a Conductor workflow; attached late because the Conductor is built after the Post Office. */
export type WorkflowStarter = (start: WorkflowStart) => Promise<{ id: string }>

export function eventBody(event: DeliveredEvent) {
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    payload: event.payload,
    createdAt: new Date(event.createdAt).toISOString(),
  }
}

export function createTargetDelivery(deps: PostOfficeDeps, resolve: Resolver) {
  let workflowStarter: WorkflowStarter | undefined

  return {
    setWorkflowStarter(starter: WorkflowStarter | undefined): void {
      workflowStarter = starter
    },

    async deliver(
      target: Exclude<Target, { kind: 'mailbox' }>,
      event: DeliveredEvent,
      ids: { deliveryId: string; subscriptionId: string },
    ): Promise<void> {
      if (target.kind === 'websocket') {
        await deps.pubSub.publish(eventTopic(event.tenantId, event.type), JSON.stringify(eventBody(event)))
        return
      }
      if (target.kind === 'workflow') {
        if (!workflowStarter) throw postOfficeErrors.WORKFLOW_STARTER_MISSING()
        await workflowStarter({
          tenantId: event.tenantId,
          workflow: target.workflow,
          version: target.version,
          input: eventBody(event),
          idempotencyKey: `event:${event.id}:${ids.subscriptionId}`,
        })
        return
      }
      await sendWebhook(
        {
          url: target.url,
          secret: target.secret,
          body: JSON.stringify(eventBody(event)),
          timestampSeconds: Math.floor(deps.clock.now() / 1000),
          headers: {
            'x-symphainy-event-id': event.id,
            'x-symphainy-event-type': event.type,
            'x-symphainy-delivery-id': ids.deliveryId,
          },
        },
        { allowHosts: deps.settings.webhookAllowHosts, resolve, timeoutMs: deps.settings.webhookTimeoutMs },
      )
    },
  }
}

export type TargetDelivery = ReturnType<typeof createTargetDelivery>
