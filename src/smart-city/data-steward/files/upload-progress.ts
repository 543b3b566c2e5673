import type { Clock } from '../../../kernel/clock.js'
import type { Logger } from '../../../kernel/logger.js'
import type { PubSub } from '../../../ports/pub-sub.js'
import { eventTopic } from '../../traffic-cop/realtime/hub.js'

export const progressEveryBytes = 1024 * 1024
export const progressEveryMs = 250
export const uploadIdPattern = /^[A-Za-z0-9_-]{1,64}$/

/** The event type, and so the WebSocket channel `events:file.upload.<uploadId>`, of one upload's progress. */
export const progressEventType = (uploadId: string) => `file.upload.${uploadId}`

/** How an upload ended: its file stored (the data file's id), or failed (the error code answered). */
export type UploadOutcome = { state: 'stored'; fileId: string } | { state: 'failed'; code: string }

export interface UploadProgress {
  received(bytes: number): Promise<void>
  finish(outcome: UploadOutcome): Promise<void>
}

const silent: UploadProgress = { received: () => Promise.resolve(), finish: () => Promise.resolve() }

/**
 * "Bytes received" of an upload the client named with its own `uploadId`, published straight on the tenant's
 * `events:` pub/sub topic (ephemeral, like the channel: no outbox, no history): at most one per MiB or per
 * 250 ms, whichever comes first, then one final `stored` or `failed`. The topic carries the tenant id, so only
 * sockets of the uploader's tenant can see it. A bus that is down costs the events, never the upload.
 */
export function createUploadProgress(
  deps: { pubSub: PubSub; clock: Clock; logger: Logger },
  tenantId: string,
  uploadId: string | undefined,
): UploadProgress {
  if (uploadId === undefined) return silent
  const type = progressEventType(uploadId)
  const topic = eventTopic(tenantId, type)
  let total = 0
  let publishedBytes = 0
  let publishedAt = deps.clock.now()

  const publish = async (update: { state: string; bytesReceived: number }) => {
    const body = {
      type,
      payload: { uploadId, ...update },
      createdAt: new Date(deps.clock.now()).toISOString(),
    }
    try {
      await deps.pubSub.publish(topic, JSON.stringify(body))
    } catch (error) {
      deps.logger.warn({ err: error, uploadId }, 'upload progress not published')
    }
  }

  return {
    async received(bytes) {
      total += bytes
      const now = deps.clock.now()
      if (total - publishedBytes < progressEveryBytes && now - publishedAt < progressEveryMs) return
      publishedBytes = total
      publishedAt = now
      await publish({ state: 'receiving', bytesReceived: total })
    },
    finish: (outcome) => publish({ ...outcome, bytesReceived: total }),
  }
}
