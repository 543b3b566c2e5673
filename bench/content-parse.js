// The Content pillar end to end on a 100 MB CSV: an embedded platform (SQLite file, local file store) holds the
// uploaded file; `content.parse` streams it from the file store through the parser into a table dataset (typed
// columns, rows as JSON lines written back through the file store, record and lineage in SQL). The peer is a plain
// streaming csv-parse over the same bytes that only counts rows.
// Run: npm run bench:content-parse   (SIZE_MB=100 ROUNDS=3 THREADS=2 by default; everything lives in a temp dir)
// Each round runs the peer, the pillar as configured (SYMPHAINY_PARSE_THREADS=THREADS worker threads parse the
// file in parts) and the same pillar on one thread (no worker threads), interleaved. Prints MB/s of each per round,
// the ratios pillar/plain (goal >= 0.8x) and the RSS growth during the pillar's parse (goal < 200 MB).
import { once } from 'node:events'
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse'
import { loadConfig } from '../dist/kernel/config.js'
import { createPlatform } from '../dist/platform.js'
import { createContentPillar } from '../dist/realms/business-enablement/content/index.js'
import { writeBenchCsv } from './csv-fixture.js'
import { median, timed } from './timed-run.js'

const sizeMb = Number(process.env.SIZE_MB ?? 100)
const rounds = Number(process.env.ROUNDS ?? 3)
const threads = process.env.THREADS ?? '2'
const dir = mkdtempSync(join(tmpdir(), 'symphainy-bench-content-'))
const csvPath = join(dir, 'data.csv')

async function plain() {
  let rows = 0
  const parser = createReadStream(csvPath).pipe(parse())
  parser.on('data', () => rows++)
  await once(parser, 'end')
  return rows - 1
}

async function signUp(platform) {
  const response = await platform.gateway.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email: 'bench@example.com', password: 'correct horse battery staple', name: 'Bench' },
  })
  if (response.statusCode !== 201) throw new Error(`signup: ${response.body}`)
  const body = response.json()
  return { tenantId: body.tenant.id, userId: body.user.id }
}

/** Stores the CSV through the Data Steward's upload API (streamed, sniffed, checksummed), as the route would. */
async function store(platform, ctx) {
  const upload = platform.services.dataSteward.files.beginUpload({
    tenantId: ctx.tenantId,
    createdBy: ctx.userId,
  })
  await upload.receive({
    field: 'file',
    filename: 'data.csv',
    declaredType: 'text/csv',
    body: createReadStream(csvPath),
  })
  return (await upload.finish()).id
}

let platform
try {
  await writeBenchCsv(csvPath, sizeMb)
  const bytes = statSync(csvPath).size
  const mb = bytes / 1024 / 1024
  platform = await createPlatform(
    loadConfig({
      env: {
        LOG_LEVEL: 'silent',
        SYMPHAINY_DATABASE_URL: `sqlite:${join(dir, 'symphainy.db')}`,
        SYMPHAINY_FILES_URL: `file:${join(dir, 'files')}`,
        SYMPHAINY_MAX_UPLOAD_BYTES: String(bytes * 2),
        SYMPHAINY_SCRYPT_LOG_N: '12',
        SYMPHAINY_PARSE_THREADS: threads,
      },
    }),
  )
  const ctx = await signUp(platform)
  const fileId = await store(platform, ctx)
  const { content, dataSteward } = platform.services
  const oneThread = createContentPillar({ dataSteward, logger: platform.logger }).content
  console.log(`CSV: ${mb.toFixed(1)} MB in ${dir}, stored as ${fileId}; pillar with ${threads} parse threads`)
  const runs = { pillar: [], oneThread: [] }
  let maxGrowth = 0
  const parseWith = (pillar) => async () => {
    const result = await pillar.parse(ctx, { fileId })
    await dataSteward.datasets.delete(ctx.tenantId, result.datasetId)
    return result.rows
  }
  const rate = (seconds) => `${(mb / seconds).toFixed(1)} MB/s`
  for (let round = 1; round <= rounds; round++) {
    const a = await timed(plain, false)
    const b = await timed(parseWith(content), true)
    const c = await timed(parseWith(oneThread), false)
    for (const [name, run] of [
      ['pillar', b],
      ['oneThread', c],
    ]) {
      if (a.rows !== run.rows) throw new Error(`row counts differ: plain ${a.rows}, ${name} ${run.rows}`)
      runs[name].push({ wall: a.seconds / run.seconds, cpu: a.cpuSeconds / run.cpuSeconds })
    }
    maxGrowth = Math.max(maxGrowth, b.growthMb)
    console.log(
      `round ${round}: wall-clock plain csv-parse ${rate(a.seconds)}, pillar (file store → parse → dataset) ${rate(b.seconds)}, ` +
        `on one thread ${rate(c.seconds)}; per CPU second ${rate(a.cpuSeconds)} vs ${rate(b.cpuSeconds)} vs ${rate(c.cpuSeconds)}; ` +
        `RSS growth during the pillar ${b.growthMb.toFixed(0)} MB (${b.beforeMb.toFixed(0)} → ${b.peakMb.toFixed(0)} MB)`,
    )
  }
  const ratios = (name) =>
    `${median(runs[name].map((r) => r.wall))}x wall-clock, ${median(runs[name].map((r) => r.cpu))}x by CPU time`
  console.log(
    `median ratio pillar/plain: ${ratios('pillar')} (goal >= 0.8x); on one thread: ${ratios('oneThread')}; ` +
      `max RSS growth ${maxGrowth.toFixed(0)} MB (goal < 200 MB)`,
  )
} finally {
  await platform?.close()
  rmSync(dir, { recursive: true, force: true })
}
