/**
 * GCRA (generic cell rate algorithm) for one key, the arithmetic that `gcra-script.ts` runs in Lua and in memory.
 *
 * Why GCRA rather than a sliding log: one small value per key whatever the limit (a log keeps `limit` entries),
 * a read and a write per key, an exact retry time, and refusals cost nothing. Its semantics: `limit` requests may arrive
 * at once, after which one more is admitted every `window / limit`; so a key is never admitted more than at that
 * rate plus the initial burst of `limit` (a token bucket of `limit` tokens refilled at `limit` per window).
 *
 * State per key: the theoretical arrival time TAT = a + b/limit ms, stored as "a:b" with whole numbers in hexadecimal
 * (Lua reads and writes hexadecimal several times faster than decimal, and every decision does both), so the
 * arithmetic is exact and identical in Lua (doubles holding integers below 2^53) and in JavaScript. A request at
 * `now` is admitted when TAT' - now <= window, where TAT' = max(TAT, now) + window/limit; admitting stores TAT'.
 * The key's expiry is only garbage collection (its content decides): it outlives TAT by at least a margin, so the
 * platform clock (which supplies `now`) and the store's own clock may differ. Setting an expiry costs Redis about as
 * much as the rest of a decision, so a write keeps the key's expiry while it still outlives TAT' by the margin and
 * otherwise sets it to outlive TAT' by two margins (at most one refresh per margin of time on a busy key).
 */
export const gcraExpiryMarginMs = 60_000

export interface GcraCheck {
  key: string
  limit: number
  windowMs: number
}

export interface GcraKeyVerdict {
  admits: boolean
  /** Requests still admitted at once after this one (0 when refused). */
  remaining: number
  /** Ms until the key is full again. */
  resetMs: number
  /** Ms until the key would admit (0 when it admits). */
  retryMs: number
}

/** A key's verdict and TAT' = `tat` + `tatRest`/limit, which admitting stores (see `gcraState`). */
export interface GcraStep extends GcraKeyVerdict {
  tat: number
  tatRest: number
}

/** One request at `now` against a key holding `stored` (null when absent); the Lua body computes the same. */
export function gcraStep(stored: string | null, now: number, limit: number, windowMs: number): GcraStep {
  let a = now
  let b = 0
  if (stored !== null) {
    const sep = stored.indexOf(':')
    let sa = parseInt(stored.slice(0, sep), 16)
    let sb = parseInt(stored.slice(sep + 1), 16)
    if (sb >= limit) {
      sa += 1
      sb = 0
    }
    if (sa > now || (sa === now && sb > 0)) {
      a = sa
      b = sb
    }
  }
  let tat = a + Math.floor(windowMs / limit)
  let tatRest = b + (windowMs % limit)
  if (tatRest >= limit) {
    tat += 1
    tatRest -= limit
  }
  const up = tatRest > 0 ? 1 : 0
  if (tat - now < windowMs || (tat - now === windowMs && tatRest === 0)) {
    const remaining = Math.floor(((now + windowMs - tat) * limit - tatRest) / windowMs)
    return { admits: true, remaining, resetMs: tat - now + up, retryMs: 0, tat, tatRest }
  }
  const resetMs = a - now + (b > 0 ? 1 : 0)
  return { admits: false, remaining: 0, resetMs, retryMs: tat - windowMs - now + up, tat, tatRest }
}

/**
 * The expiry to give a key that admits with `step` and has `remaining` ms left (negative: none): `undefined` keeps
 * the current one.
 */
export function gcraExpiry(step: GcraStep, remaining: number): number | undefined {
  const needed = step.resetMs + gcraExpiryMarginMs
  return remaining >= needed ? undefined : needed + gcraExpiryMarginMs
}

/** The stored form of TAT = `tat` + `tatRest`/limit. */
export const gcraState = (step: GcraStep) => `${hex(step.tat)}:${hex(step.tatRest)}`

/**
 * Numbers as the script takes them: hexadecimal whole numbers. Every decision converts the clock and each policy's
 * limit and window, so the last time and the few limits and windows are cached.
 */
export function gcraTimeArg(now: number): string {
  if (now !== lastTime.now) lastTime = { now, hex: hex(now) }
  return lastTime.hex
}

export function gcraArg(n: number): string {
  let text = constants.get(n)
  if (text === undefined) {
    if (constants.size >= 1024) constants.clear()
    text = hex(n)
    constants.set(n, text)
  }
  return text
}

const byteHex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/**
 * `n.toString(16)` for a whole number 0 ≤ n < 2^53, two digits at a time: about three times faster than V8's
 * `toString(16)`, which every decision of the in-process store pays twice.
 */
export function hex(n: number): string {
  let text = ''
  while (n >= 256) {
    text = byteHex[n % 256]! + text
    n = Math.floor(n / 256)
  }
  return (n < 16 ? byteHex[n]![1]! : byteHex[n]!) + text
}

let lastTime = { now: 0, hex: '0' }
const constants = new Map<number, string>()
