import type { Subscription } from '../../ports/pub-sub.js'
import type { PostOfficeDeps } from './deps.js'

/**
 * Wake-up hints for long polls, across nodes: a send publishes `<tenant>\n<mailbox>` on one pub/sub channel and
 * every node wakes its waiters on that mailbox. Hints are only hints (pub/sub is at-most-once): waiters also
 * re-check every `pollMs`, so a lost hint costs latency, never a message. A generation counter per mailbox closes
 * the gap between a waiter's last look and its registration.
 */
export const mailboxHintChannel = 'po:mailbox'

const maxTrackedMailboxes = 10_000

export interface MailboxWakeups {
  start(): Promise<void>
  stop(): Promise<void>
  /** Tells every node that `recipient` of `tenantId` has a new message; never throws. */
  hint(tenantId: string, recipient: string): Promise<void>
  generation(tenantId: string, recipient: string): number
  /** Resolves on a hint newer than `seen`, after `ms`, or when waits are interrupted. */
  wait(tenantId: string, recipient: string, seen: number, ms: number): Promise<void>
  /** Ends every wait now and makes new ones return at once (server closing). */
  interrupt(): void
  readonly interrupted: boolean
  /** Long polls waiting on this node now. */
  waiting(): number
}

export function createMailboxWakeups(deps: PostOfficeDeps): MailboxWakeups {
  const generations = new Map<string, number>()
  const waiters = new Map<string, Set<() => void>>()
  let subscription: Subscription | undefined
  let interrupted = false
  const keyOf = (tenantId: string, recipient: string) => `${tenantId}\n${recipient}`

  function wake(key: string): void {
    // Bounded: forgetting generations only risks one missed hint, which the periodic re-check covers.
    if (generations.size >= maxTrackedMailboxes) generations.clear()
    generations.set(key, (generations.get(key) ?? 0) + 1)
    for (const waiter of [...(waiters.get(key) ?? [])]) waiter()
  }

  return {
    async start() {
      interrupted = false
      subscription = await deps.pubSub
        .subscribe(mailboxHintChannel, (message) => wake(message))
        .catch((error: unknown) => {
          deps.logger.warn(
            { err: error },
            'no mailbox wake-up hints (pub/sub down); long polls re-check only',
          )
          return undefined
        })
    },
    async stop() {
      interrupted = true
      for (const key of [...waiters.keys()]) for (const waiter of [...(waiters.get(key) ?? [])]) waiter()
      await subscription?.unsubscribe()
      subscription = undefined
    },
    async hint(tenantId, recipient) {
      try {
        await deps.pubSub.publish(mailboxHintChannel, keyOf(tenantId, recipient))
      } catch (error) {
        deps.logger.warn({ err: error }, 'mailbox wake-up hint not published; waiters will poll')
      }
    },
    generation: (tenantId, recipient) => generations.get(keyOf(tenantId, recipient)) ?? 0,
    wait(tenantId, recipient, seen, ms) {
      const key = keyOf(tenantId, recipient)
      if (interrupted || (generations.get(key) ?? 0) !== seen) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const set = waiters.get(key) ?? new Set()
        waiters.set(key, set)
        const done = () => {
          timer.cancel()
          set.delete(done)
          if (set.size === 0 && waiters.get(key) === set) waiters.delete(key)
          resolve()
        }
        const timer = deps.clock.setTimer(ms, done)
        set.add(done)
      })
    },
    interrupt() {
      interrupted = true
      for (const key of [...waiters.keys()]) for (const waiter of [...(waiters.get(key) ?? [])]) waiter()
    },
    get interrupted() {
      return interrupted
    },
    waiting: () => [...waiters.values()].reduce((sum, set) => sum + set.size, 0),
  }
}
