/**
 * The pub/sub topic on which the Security Guard announces revocations, so every node closes the affected
 * WebSockets: a whole user (disabled, deleted, roles or password changed) or one login session (logout, reuse).
 */
export const revocationTopic = 'sg:revocations'

export type Revocation =
  { userId: string; loginSessionId?: undefined } | { userId: string; loginSessionId: string }

export function parseRevocation(text: string): Revocation | undefined {
  try {
    const value = JSON.parse(text) as Partial<Revocation>
    return typeof value.userId === 'string' ? (value as Revocation) : undefined
  } catch {
    return undefined
  }
}
