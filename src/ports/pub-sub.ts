/**
 * Publish/subscribe of string messages on named channels, across every node sharing the bus.
 *
 * Contract:
 * - Delivery is at-most-once and only to subscriptions that exist when the message is published (no history).
 * - Messages from one publisher on one channel arrive in publish order.
 * - Handlers are called asynchronously, never inside `publish`; a throwing handler does not affect others.
 * - `subscribePattern` uses Redis glob syntax (`*`, `?`, `[abc]`, `\` escapes) and gives the handler the channel.
 * - `subscribe*` resolves once the subscription is active, so a message published afterwards is delivered.
 * Left out: durability, acknowledgements and replay — Post Office mailboxes provide those over SQL.
 */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>
  subscribe(channel: string, handler: MessageHandler): Promise<Subscription>
  subscribePattern(pattern: string, handler: MessageHandler): Promise<Subscription>
  ping(): Promise<void>
  close(): Promise<void>
}

export type MessageHandler = (message: string, channel: string) => void

export interface Subscription {
  unsubscribe(): Promise<void>
}
