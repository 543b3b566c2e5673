import { addHistogram, emptyHistogram, observe, type Histogram } from './histogram.js'

export const minuteMs = 60_000

/** Tenant id under which requests without a principal (public routes, failed authentication) are kept. */
export const anonymousTenant = '-'

/** One answered request, as the gateway reports it. */
export interface TrafficSample {
  tenantId: string | null
  method: string
  /** The route template (`/api/v1/users/:id`), never the raw URL, or `unmatched`. */
  route: string
  status: number
  latencyMs: number
}

export interface MinuteKey {
  minute: number
  tenantId: string
  method: string
  route: string
  status: number
}

export interface MinuteEntry extends MinuteKey {
  count: number
  histogram: Histogram
}

export function minuteOf(epochMs: number): number {
  return Math.floor(epochMs / minuteMs) * minuteMs
}

/**
 * This node's not yet flushed traffic: one entry per (minute, tenant, method, route, status). Entries are taken
 * out by minute to be written, and put back when writing fails.
 */
export interface MinuteBuffer {
  record(sample: TrafficSample, at: number): void
  /** Removes and returns every entry of a minute that started before `minute`. */
  takeBefore(minute: number): MinuteEntry[]
  /** Adds entries back (after a failed write); counts merge with anything recorded meanwhile. */
  restore(entries: readonly MinuteEntry[]): void
  /** The buffered entries, read-only. */
  entries(): readonly MinuteEntry[]
  minutes(): number
}

export function createMinuteBuffer(): MinuteBuffer {
  const byMinute = new Map<number, Map<string, MinuteEntry>>()
  // The entry of the previous record: traffic comes in runs of the same route, tenant and status, and for those
  // the cell is found without building its key. Forgotten whenever entries are taken out.
  let last: MinuteEntry | undefined

  function entryFor(key: MinuteKey): MinuteEntry {
    let cells = byMinute.get(key.minute)
    if (!cells) byMinute.set(key.minute, (cells = new Map<string, MinuteEntry>()))
    const id = `${key.tenantId}\u0000${key.method}\u0000${key.status}\u0000${key.route}`
    let entry = cells.get(id)
    if (!entry) cells.set(id, (entry = { ...key, count: 0, histogram: emptyHistogram() }))
    return entry
  }

  return {
    record(sample, at) {
      const minute = minuteOf(at)
      const tenantId = sample.tenantId ?? anonymousTenant
      let entry = last
      if (
        entry?.minute !== minute ||
        entry.route !== sample.route ||
        entry.tenantId !== tenantId ||
        entry.status !== sample.status ||
        entry.method !== sample.method
      ) {
        last = entry = entryFor({
          minute,
          tenantId,
          method: sample.method,
          route: sample.route,
          status: sample.status,
        })
      }
      entry.count += 1
      observe(entry.histogram, sample.latencyMs)
    },
    takeBefore(minute) {
      last = undefined
      const taken: MinuteEntry[] = []
      for (const [start, cells] of byMinute) {
        if (start >= minute) continue
        taken.push(...cells.values())
        byMinute.delete(start)
      }
      return taken
    },
    restore(entries) {
      for (const { count, histogram, ...key } of entries) {
        const entry = entryFor(key)
        entry.count += count
        addHistogram(entry.histogram, histogram)
      }
    },
    entries: () => [...byMinute.values()].flatMap((cells) => [...cells.values()]),
    minutes: () => byMinute.size,
  }
}
