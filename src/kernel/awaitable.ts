/**
 * A value now, or a promise of it. Hot paths that can often answer synchronously (an in-process store, a cache hit)
 * return one so their callers skip promise hops when they can. Such a function never throws: its failures are
 * rejected promises, so `await` and `.then` callers see them as before.
 */
export type Awaitable<T> = T | Promise<T>

/** `error` as a rejected promise, for an Awaitable-returning function that caught it. */
// eslint-disable-next-line @typescript-eslint/require-await -- the promise carries what is thrown
export async function rejection(error: unknown): Promise<never> {
  throw error
}
