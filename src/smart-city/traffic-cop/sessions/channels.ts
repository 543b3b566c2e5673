/**
 * Pub/sub topics of session changes. Every node publishes accepted changes here and every node's WebSocket hub
 * listens, so a subscriber on any node sees every change. Messages carry the version; subscribers order by it.
 */
export const sessionTopic = (sessionId: string) => `tc:session:${sessionId}`
export const sessionTopicPattern = 'tc:session:*'

export type SessionMessage =
  | { type: 'state'; sessionId: string; tenantId: string; version: number; data: unknown }
  | { type: 'ended'; sessionId: string; tenantId: string; reason: string }

export function parseSessionMessage(text: string): SessionMessage | undefined {
  try {
    const message = JSON.parse(text) as SessionMessage
    return message.type === 'state' || message.type === 'ended' ? message : undefined
  } catch {
    return undefined
  }
}
