// Librarian search p95 vs the raw engine query it is built on. Run: npm run bench:search
// Loads DOCS generated documents (default 100,000; words drawn log-uniformly from a 20,736-word vocabulary, so a
// few words are in most documents and most words in few) into the embedded profile (a SQLite file in a temp
// folder), and with BENCH_POSTGRES=1 also into PostgreSQL. Then, for a mixed query set (single words of high,
// middle and low frequency, two-word AND, phrases, OR, exclusions), times:
//   librarian: librarian.search.query(actor, {q, limit: 10}) — parse, statistics, ranked SQL, rows, highlights
//   ranking:   librarian.search.rankedIds(actor, q) — the ranked SQL alone
//   raw:       the same MATCH / @@ ordered by the engine's own rank (FTS5 bm25, ts_rank), LIMIT 10
// (on PostgreSQL after `vacuum analyze`, so index-only scans work as they would once autovacuum has run)
// and prints each p95 and the ratio librarian ÷ raw (goal ≤ 1.2).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { loadConfig } from '../dist/kernel/config.js'
import { createPlatform } from '../dist/platform.js'
import { parseQuery, toFts5Match, toTsquery } from '../dist/smart-city/librarian/query.js'

const documents = Number(process.env.DOCS ?? 100_000)
const rounds = Number(process.env.ROUNDS ?? 5)
const batch = 1000
const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'te', 'vo', 'zi', 'pa', 'do', 'fu']
const vocabulary = []
for (const a of syllables)
  for (const b of syllables)
    for (const c of syllables) for (const d of syllables) vocabulary.push(a + b + c + d)

function seeded(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
let random = seeded(7)
/** Rank r with probability ∝ 1/r (log-uniform): word 0 is in most documents, word 20,000 in a handful. */
const word = () =>
  vocabulary[
    Math.min(vocabulary.length - 1, Math.floor(Math.exp(random() * Math.log(vocabulary.length))) - 1)
  ]
const words = (n) => Array.from({ length: n }, word).join(' ')

function generate(i) {
  return {
    collection: ['reports', 'notes', 'mail'][i % 3],
    title: words(6),
    body: words(40),
    tags: i % 10 === 0 ? ['flagged'] : [],
    metadata: { n: i },
  }
}

const w = (rank) => vocabulary[rank]
const queries = [
  ...[3, 8, 15].map((r) => w(r)),
  ...[60, 150, 400, 900].map((r) => w(r)),
  ...[3000, 8000, 15000].map((r) => w(r)),
  `${w(5)} ${w(40)}`,
  `${w(20)} ${w(300)}`,
  `${w(100)} ${w(2000)}`,
  `"${w(2)} ${w(4)}"`,
  `"${w(30)} ${w(31)}"`,
  `${w(200)} OR ${w(500)}`,
  `${w(1000)} OR ${w(5000)} OR ${w(9000)}`,
  `${w(50)} -${w(1)}`,
  `${w(700)} -${w(3)}`,
]

function p95(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]
}

async function time(fn) {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

async function run(label, env) {
  const platform = await createPlatform(
    loadConfig({ env: { LOG_LEVEL: 'warn', SYMPHAINY_FILES_URL: 'memory:', ...env } }),
  )
  random = seeded(7) // the same corpus on every engine
  try {
    const { librarian } = platform.services
    const { database } = platform.infra
    const actor = { tenantId: 'ten_bench', userId: 'usr_bench' }
    const loadStarted = performance.now()
    for (let start = 0; start < documents; start += batch) {
      const inputs = Array.from({ length: Math.min(batch, documents - start) }, (_, k) => generate(start + k))
      await librarian.documents.createMany(actor, inputs)
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000
    if (database.dialect === 'postgres')
      await sql`vacuum analyze lib_postings, lib_search, lib_documents, lib_term_stats`.execute(database.db)

    const raw = (q) =>
      database.dialect === 'postgres'
        ? sql`select document_id from lib_search where tokens @@ cast(${toTsquery(parseQuery(q))} as tsquery)
              order by ts_rank(tokens, cast(${toTsquery(parseQuery(q))} as tsquery)) desc limit 10`.execute(
            database.db,
          )
        : sql`select rowid from lib_search where lib_search match ${toFts5Match(parseQuery(q))} order by rank limit 10`.execute(
            database.db,
          )
    const subjects = {
      librarian: (q) => librarian.search.query(actor, { q, limit: 10 }),
      ranking: (q) => librarian.search.rankedIds(actor, q),
      raw,
    }
    for (const q of queries) for (const fn of Object.values(subjects)) await fn(q) // warm caches
    const samples = { librarian: [], ranking: [], raw: [] }
    for (let round = 0; round < rounds; round++) {
      for (const q of queries) {
        for (const [name, fn] of Object.entries(subjects)) samples[name].push(await time(() => fn(q)))
      }
    }
    const matches = []
    for (const q of queries.slice(0, 10)) {
      const rows =
        database.dialect === 'postgres'
          ? await sql`select count(*) as n from lib_search where tokens @@ cast(${toTsquery(parseQuery(q))} as tsquery)`.execute(
              database.db,
            )
          : await sql`select count(*) as n from lib_search where lib_search match ${toFts5Match(parseQuery(q))}`.execute(
              database.db,
            )
      matches.push(Number(rows.rows[0].n))
    }
    const result = Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, p95(list)]))
    console.log(
      `\n${label}: ${documents} documents loaded in ${loadSeconds.toFixed(0)} s (${(documents / loadSeconds).toFixed(0)} docs/s)`,
    )
    console.log(`single-word queries match ${matches.join(', ')} documents`)
    console.log(`${queries.length} queries x ${rounds} rounds, p95 latency:`)
    console.log(`  librarian search (rows + highlights): ${result.librarian.toFixed(2)} ms`)
    console.log(`  librarian ranking alone:             ${result.ranking.toFixed(2)} ms`)
    console.log(`  raw engine query:                    ${result.raw.toFixed(2)} ms`)
    console.log(
      `  ratio librarian / raw: ${(result.librarian / result.raw).toFixed(2)}x (ranking alone ${(result.ranking / result.raw).toFixed(2)}x)`,
    )
  } finally {
    await platform.close()
  }
}

const folder = mkdtempSync(join(tmpdir(), 'bench-search-'))
await run('SQLite (embedded, FTS5)', { SYMPHAINY_DATABASE_URL: `sqlite:${join(folder, 'bench.db')}` })
if (process.env.BENCH_POSTGRES === '1') {
  const base = process.env.SYMPHAINY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const url = new URL(base)
  const schema = `bench_search_${process.pid}`
  url.searchParams.set('schema', schema)
  const pg = (await import('pg')).default
  const client = new pg.Client({ connectionString: base })
  await client.connect()
  try {
    await run('PostgreSQL (tsvector + GIN)', { SYMPHAINY_DATABASE_URL: url.toString() })
  } finally {
    await client.query(`drop schema if exists ${schema} cascade`)
    await client.end()
  }
}
