export interface Candidate {
  id: string
  weight: number
}

/** What a strategy may know about instances, as measured on this node. */
export interface PickContext {
  /** The affinity key (consistent hash); null when the request carries none. */
  key: string | null
  inFlight(id: string): number
  /** EWMA of response times in ms; null before the first sample. */
  latency(id: string): number | null
  /** Every registered instance, available or not, in registry order (the hash ring is built on these). */
  registered: readonly Candidate[]
}

/**
 * Picks one of the available candidates (never empty; in registry order). A strategy instance belongs to one
 * service on one node and may keep state between picks.
 */
export interface Strategy {
  pick(candidates: readonly Candidate[], context: PickContext): Candidate
}
