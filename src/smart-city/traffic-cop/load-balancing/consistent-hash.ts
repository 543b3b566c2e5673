import { createHash } from 'node:crypto'
import type { Candidate, Strategy } from './strategy.js'

/**
 * Session affinity on a hash ring: each registered instance owns `virtualNodes` points (hash of `id#n`); a key goes
 * to the first point clockwise from its hash, skipping instances that are not available now. The ring holds every
 * registered instance, so an ejected instance's keys move only while it is out, and removing an instance moves only
 * the keys it owned. Without a key the pick is random.
 */
export function createConsistentHash(options: { virtualNodes: number; random: () => number }): Strategy {
  let ring: { points: Uint32Array; owners: string[] } | undefined
  let ringOf = ''

  const build = (registered: readonly Candidate[]) => {
    const entries: [number, string][] = []
    for (const { id } of registered)
      for (let n = 0; n < options.virtualNodes; n += 1) entries.push([hash32(`${id}#${n}`), id])
    entries.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))
    return { points: Uint32Array.from(entries.map((e) => e[0])), owners: entries.map((e) => e[1]) }
  }

  return {
    pick(candidates, context) {
      if (context.key === null) return candidates[Math.floor(options.random() * candidates.length)]!
      const signature = context.registered.map((c) => c.id).join(',')
      if (!ring || signature !== ringOf) {
        ring = build(context.registered)
        ringOf = signature
      }
      const available = new Map(candidates.map((c) => [c.id, c]))
      const start = firstAtOrAfter(ring.points, hash32(context.key))
      for (let i = 0; i < ring.owners.length; i += 1) {
        const owner = available.get(ring.owners[(start + i) % ring.owners.length]!)
        if (owner) return owner
      }
      return candidates[0]!
    },
  }
}

export function hash32(value: string): number {
  return createHash('md5').update(value).digest().readUInt32BE(0)
}

function firstAtOrAfter(points: Uint32Array, value: number): number {
  let low = 0
  let high = points.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (points[mid]! < value) low = mid + 1
    else high = mid
  }
  return low === points.length ? 0 : low
}
