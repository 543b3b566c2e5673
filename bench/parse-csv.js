// CSV parse throughput: our parseFile (typed columns, rows serialised to JSONL and written to a file, which is
// what the platform will do) against a plain streaming csv-parse over the same file that only counts rows.
// Run: npm run bench:parse-csv   (SIZE_MB=100 ROUNDS=3 by default; the CSV is generated in a temp dir)
// Prints MB/s of each per round, the ratio ours/plain (goal >= 0.8x) and the RSS growth during ours (goal < 200 MB).
import { once } from 'node:events'
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse'
import { parseFile } from '../dist/realms/business-enablement/content/parsing/index.js'
import { writeBenchCsv } from './csv-fixture.js'
import { median, timed } from './timed-run.js'

const sizeMb = Number(process.env.SIZE_MB ?? 100)
const rounds = Number(process.env.ROUNDS ?? 3)
const dir = mkdtempSync(join(tmpdir(), 'symphainy-bench-csv-'))
const csvPath = join(dir, 'data.csv')
const outPath = join(dir, 'rows.jsonl')

const generate = () => writeBenchCsv(csvPath, sizeMb)

async function plain() {
  let rows = 0
  const parser = createReadStream(csvPath).pipe(parse())
  parser.on('data', () => rows++)
  await once(parser, 'end')
  return rows
}

/** The platform-like sink: each row as a JSON line, written in 64 KiB batches, honouring backpressure. */
function jsonlSink() {
  const out = createWriteStream(outPath)
  let buffer = ''
  return {
    startTable() {},
    row(values) {
      buffer += JSON.stringify(values) + '\n'
      if (buffer.length < 65536) return undefined
      const flushed = out.write(buffer)
      buffer = ''
      return flushed ? undefined : once(out, 'drain').then(() => undefined)
    },
    async endTable() {
      out.end(buffer)
      buffer = ''
      await once(out, 'finish')
    },
  }
}

async function ours() {
  const outcome = await parseFile(
    { bytes: createReadStream(csvPath), fileName: 'data.csv', contentType: 'text/csv' },
    jsonlSink(),
  )
  return outcome.kind === 'table' ? outcome.tables[0].rowCount : 0
}

try {
  await generate()
  const mb = statSync(csvPath).size / 1024 / 1024
  console.log(`CSV: ${mb.toFixed(1)} MB in ${dir}`)
  const ratios = []
  const cpuRatios = []
  let maxGrowth = 0
  for (let round = 1; round <= rounds; round++) {
    const a = await timed(plain, false)
    const b = await timed(ours, true)
    if (a.rows - 1 !== b.rows)
      throw new Error(`row counts differ: plain ${a.rows} (with header), ours ${b.rows}`)
    ratios.push(a.seconds / b.seconds)
    cpuRatios.push(a.cpuSeconds / b.cpuSeconds)
    maxGrowth = Math.max(maxGrowth, b.growthMb)
    const rate = (seconds) => `${(mb / seconds).toFixed(1)} MB/s`
    console.log(
      `round ${round}: wall-clock plain csv-parse ${rate(a.seconds)}, ours (typed + JSONL file) ${rate(b.seconds)}; ` +
        `per CPU second ${rate(a.cpuSeconds)} vs ${rate(b.cpuSeconds)}; RSS growth during ours ${b.growthMb.toFixed(0)} MB`,
    )
  }
  console.log(
    `median ratio ours/plain: ${median(ratios)}x wall-clock, ${median(cpuRatios)}x by CPU time (goal >= 0.8x); ` +
      `max RSS growth ${maxGrowth.toFixed(0)} MB (goal < 200 MB)`,
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
