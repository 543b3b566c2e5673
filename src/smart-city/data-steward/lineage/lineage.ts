import type { Kysely } from 'kysely'
import type { DataStewardDeps } from '../deps.js'
import { dataStewardErrors } from '../errors.js'
import type { DataStewardTables, StewardDb } from '../tables.js'

export type ArtifactKind = 'file' | 'dataset' | 'report' | 'document'

/**
 * How lineage tells what an id is: by its prefix (`fil_` file, `ds_` dataset, `doc_` document, `rpt_` report) and,
 * for kinds whose owner registered a lookup, whether it exists in a tenant. Lookups make `record` refuse sources
 * the tenant does not have, and let `GET /lineage/:id` answer for an artifact that has no edges yet.
 */
export interface ArtifactKindLookup {
  prefix: string
  kind: ArtifactKind
  /** The ids among `ids` that exist in the tenant. */
  existing?: (tenantId: string, ids: string[]) => Promise<Set<string>>
}

export interface LineageSource {
  id: string
  relation: string
}

export interface LineageNode {
  id: string
  kind: ArtifactKind | null
  relation: string
  /** The neighbour one step closer to the artifact asked about. */
  via: string
  depth: number
}

export interface LineageGraph {
  id: string
  kind: ArtifactKind | null
  upstream: LineageNode[]
  downstream: LineageNode[]
  /** True when the depth or node bound stopped the walk before the graph ended. */
  truncated: boolean
}

export const defaultLineageDepth = 5
export const maxLineageDepth = 20
const maxNodesPerDirection = 500
const maxSourcesPerRecord = 100
const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
const relationPattern = /^[a-z][a-z0-9_]{0,39}$/

const defaultKinds: ArtifactKindLookup[] = [
  { prefix: 'fil', kind: 'file' },
  { prefix: 'ds', kind: 'dataset' },
  { prefix: 'doc', kind: 'document' },
  { prefix: 'rpt', kind: 'report' },
]

function prefixOf(id: string): string {
  const underscore = id.indexOf('_')
  return underscore > 0 ? id.slice(0, underscore) : ''
}

export function createLineage(deps: DataStewardDeps) {
  const db = deps.database.db as Kysely<DataStewardTables>
  const kinds = new Map(defaultKinds.map((k) => [k.prefix, k]))

  const kindOf = (id: string): ArtifactKind | null => kinds.get(prefixOf(id))?.kind ?? null

  async function missingAmong(tenantId: string, ids: string[]): Promise<string[]> {
    const missing: string[] = []
    const byPrefix = new Map<string, string[]>()
    for (const id of ids) byPrefix.set(prefixOf(id), [...(byPrefix.get(prefixOf(id)) ?? []), id])
    for (const [prefix, group] of byPrefix) {
      const kind = kinds.get(prefix)
      if (!kind?.existing) continue
      const found = await kind.existing(tenantId, group)
      missing.push(...group.filter((id) => !found.has(id)))
    }
    return missing
  }

  function checkEdge(artifactId: string, source: LineageSource): void {
    const reason = !idPattern.test(artifactId)
      ? 'the artifact id is not an id'
      : !idPattern.test(source.id)
        ? 'the source id is not an id'
        : source.id === artifactId
          ? 'an artifact cannot derive from itself'
          : !relationPattern.test(source.relation)
            ? 'the relation is not a lower_snake name'
            : undefined
    if (reason) throw dataStewardErrors.LINEAGE_INPUT_INVALID({ artifactId, sourceId: source.id, reason })
  }

  /** Refuses malformed edges and sources of a looked-up kind that the tenant does not have. */
  async function check(tenantId: string, artifactId: string, sources: LineageSource[]): Promise<void> {
    if (sources.length > maxSourcesPerRecord)
      throw dataStewardErrors.LINEAGE_INPUT_INVALID({
        artifactId,
        sourceId: '…',
        reason: `at most ${maxSourcesPerRecord} sources per artifact`,
      })
    for (const source of sources) checkEdge(artifactId, source)
    const missing = await missingAmong(tenantId, [...new Set(sources.map((s) => s.id))])
    if (missing.length > 0) throw dataStewardErrors.LINEAGE_SOURCE_NOT_FOUND({ id: missing[0] })
  }

  async function insertEdges(
    target: StewardDb,
    tenantId: string,
    artifactId: string,
    sources: LineageSource[],
  ): Promise<void> {
    if (sources.length === 0) return
    const createdAt = deps.clock.now()
    await target
      .insertInto('steward_lineage')
      .values(
        sources.map((s) => ({
          tenant_id: tenantId,
          artifact_id: artifactId,
          source_id: s.id,
          relation: s.relation,
          created_at: createdAt,
        })),
      )
      .onConflict((oc) => oc.columns(['tenant_id', 'artifact_id', 'source_id', 'relation']).doNothing())
      .execute()
  }

  async function walk(
    tenantId: string,
    root: string,
    direction: 'upstream' | 'downstream',
    depthLimit: number,
  ): Promise<{ nodes: LineageNode[]; truncated: boolean }> {
    const [from, to] =
      direction === 'upstream'
        ? (['artifact_id', 'source_id'] as const)
        : (['source_id', 'artifact_id'] as const)
    const seen = new Set([root])
    const nodes: LineageNode[] = []
    let frontier = [root]
    for (let depth = 1; frontier.length > 0; depth++) {
      const edges = await db
        .selectFrom('steward_lineage')
        .select([from, to, 'relation'])
        .where('tenant_id', '=', tenantId)
        .where(from, 'in', frontier)
        .orderBy(from)
        .orderBy(to)
        .orderBy('relation')
        .execute()
      const next: string[] = []
      for (const edge of edges) {
        const id = edge[to]
        if (seen.has(id)) continue
        if (depth > depthLimit || nodes.length >= maxNodesPerDirection) return { nodes, truncated: true }
        seen.add(id)
        next.push(id)
        nodes.push({ id, kind: kindOf(id), relation: edge.relation, via: edge[from], depth })
      }
      frontier = next
    }
    return { nodes, truncated: false }
  }

  return {
    kindOf,

    /** Lets the owner of an artifact kind (files, documents, reports) tell lineage which ids exist. */
    registerKind(lookup: ArtifactKindLookup): void {
      kinds.set(lookup.prefix, lookup)
    },

    check,

    /** Records that `artifactId` was derived from each source (idempotent per edge), after `check`. */
    async record(tenantId: string, artifactId: string, sources: LineageSource[]): Promise<void> {
      await check(tenantId, artifactId, sources)
      await insertEdges(db, tenantId, artifactId, sources)
    },

    /**
     * The insert half of `record`, in the transaction that creates the artifact; the caller ran `check` before the
     * transaction (on SQLite a lookup outside the open transaction would wait for it).
     */
    recordChecked: (trx: StewardDb, tenantId: string, artifactId: string, sources: LineageSource[]) =>
      insertEdges(trx, tenantId, artifactId, sources),

    /**
     * What `id` was derived from (upstream) and what derives from it (downstream), transitively up to `depth`
     * steps each way. An id with no edges and no known artifact in the tenant is ARTIFACT_NOT_FOUND.
     */
    async graph(tenantId: string, id: string, depth = defaultLineageDepth): Promise<LineageGraph> {
      const limit = Math.min(Math.max(1, Math.trunc(depth)), maxLineageDepth)
      const upstream = await walk(tenantId, id, 'upstream', limit)
      const downstream = await walk(tenantId, id, 'downstream', limit)
      if (upstream.nodes.length === 0 && downstream.nodes.length === 0) {
        const known = idPattern.test(id) && (await missingAmong(tenantId, [id])).length === 0
        const lookedUp = kinds.get(prefixOf(id))?.existing !== undefined
        if (!known || !lookedUp) throw dataStewardErrors.ARTIFACT_NOT_FOUND({ id })
      }
      return {
        id,
        kind: kindOf(id),
        upstream: upstream.nodes,
        downstream: downstream.nodes,
        truncated: upstream.truncated || downstream.truncated,
      }
    },
  }
}

export type Lineage = ReturnType<typeof createLineage>
