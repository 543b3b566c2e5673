import type { ServiceDescriptor } from '../../kernel/lifecycle.js'
import { cityManagerErrors } from './errors.js'

/**
 * The canonical order of the Smart City: the registry first, then Security Guard (every route needs it), Traffic
 * Cop, Nurse, Librarian, Data Steward, Post Office, Conductor; realms after all of them.
 */
export const smartCityOrder = [
  'curator',
  'security-guard',
  'traffic-cop',
  'nurse',
  'librarian',
  'data-steward',
  'post-office',
  'conductor',
] as const

const realmOrder: ServiceDescriptor['realm'][] = [
  'smart-city',
  'business-enablement',
  'experience',
  'journey',
  'solution',
  'use-case',
]

function rank(descriptor: ServiceDescriptor): [number, number] {
  const known = (smartCityOrder as readonly string[]).indexOf(descriptor.name)
  return [realmOrder.indexOf(descriptor.realm), known === -1 ? smartCityOrder.length : known]
}

function compareRank(a: ServiceDescriptor, b: ServiceDescriptor): number {
  const [ra, sa] = rank(a)
  const [rb, sb] = rank(b)
  return ra - rb || sa - sb || a.name.localeCompare(b.name)
}

/**
 * A start order that honours every `dependsOn` and otherwise follows the canonical rank: a topological sort that
 * always takes the best-ranked service whose dependencies are all placed.
 */
export function startOrder(descriptors: ServiceDescriptor[]): ServiceDescriptor[] {
  const byName = new Map(descriptors.map((d) => [d.name, d]))
  for (const d of descriptors) {
    for (const dependency of d.dependsOn ?? []) {
      if (!byName.has(dependency))
        throw cityManagerErrors.CITY_UNKNOWN_DEPENDENCY({ name: d.name, dependency })
    }
  }
  const placed = new Set<string>()
  const order: ServiceDescriptor[] = []
  const remaining = [...descriptors].sort(compareRank)
  while (remaining.length > 0) {
    const index = remaining.findIndex((d) => (d.dependsOn ?? []).every((dep) => placed.has(dep)))
    if (index === -1)
      throw cityManagerErrors.CITY_DEPENDENCY_CYCLE({ cycle: findCycle(remaining).join(' -> ') })
    const [next] = remaining.splice(index, 1)
    placed.add(next!.name)
    order.push(next!)
  }
  return order
}

function findCycle(blocked: ServiceDescriptor[]): string[] {
  const byName = new Map(blocked.map((d) => [d.name, d]))
  const path: string[] = []
  let current = blocked[0]
  while (current && !path.includes(current.name)) {
    path.push(current.name)
    current = (current.dependsOn ?? []).map((n) => byName.get(n)).find((d) => d !== undefined)
  }
  return current ? [...path.slice(path.indexOf(current.name)), current.name] : path
}
