/**
 * A Redis-style sorted set: members ordered by score, ties by member bytes (UTF-8 order, as Redis compares).
 * The ordered view is rebuilt lazily after a change, which suits sliding logs: many adds, few range reads.
 */
export interface SortedSet {
  add(member: string, score: number): void
  removeByScore(min: number, max: number): number
  size(): number
  /** ZRANGE start stop WITHSCORES: inclusive indexes, negative ones counted from the end. */
  range(start: number, stop: number): Array<[string, number]>
}

export function createSortedSet(initial: Array<[string, number]> = []): SortedSet {
  const scores = new Map<string, number>(initial)
  let ordered: Array<[string, number]> | null = null

  function view(): Array<[string, number]> {
    ordered ??= [...scores].sort(([a, x], [b, y]) => x - y || compareBytes(a, b))
    return ordered
  }

  return {
    add(member, score) {
      scores.set(member, score)
      ordered = null
    },
    removeByScore(min, max) {
      let removed = 0
      for (const [member, score] of scores) {
        if (score >= min && score <= max && scores.delete(member)) removed++
      }
      if (removed > 0) ordered = null
      return removed
    },
    size: () => scores.size,
    range(start, stop) {
      const all = view()
      const from = Math.max(start < 0 ? all.length + start : start, 0)
      const to = Math.min(stop < 0 ? all.length + stop : stop, all.length - 1)
      if (from > to) return []
      return all.slice(from, to + 1).map(([member, score]) => [member, score])
    },
  }
}

/** Orders strings as their UTF-8 bytes would order, i.e. by code point (UTF-16 code units differ above U+D7FF). */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0
  const left = a[Symbol.iterator]()
  const right = b[Symbol.iterator]()
  for (;;) {
    const x = left.next()
    const y = right.next()
    if (x.done === true) return y.done === true ? 0 : -1
    if (y.done === true) return 1
    const difference = x.value.codePointAt(0)! - y.value.codePointAt(0)!
    if (difference !== 0) return difference
  }
}
