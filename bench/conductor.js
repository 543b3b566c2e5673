// Durable workflow step transitions per second. Run: npm run bench:conductor
// 1. PostgreSQL (fsync on, the server's defaults): the Conductor in this process keeps WORKFLOWS workflows of STEPS
//    in-process no-op task steps running (a finished one is replaced at once); every step is a committed
//    transition (task, state, history, next task).
//    Peer: pgbench on the same database, a single-statement INSERT per transaction with the same number of
//    clients, run just before. After the warm-up the engine's tables are analyzed, as autovacuum soon would (see
//    below), so the run measures the steady state rather than plans made on the schema's empty tables.
// 2. Embedded: the same workload on a SQLite file (WAL, synchronous=NORMAL: the embedded default).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { loadConfig } from '../dist/kernel/config.js'
import { createPlatform } from '../dist/platform.js'

const baseUrl = process.env.SYMPHAINY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const workflows = Number(process.env.WORKFLOWS ?? 8)
const steps = Number(process.env.STEPS ?? 10)
const warmupSeconds = Number(process.env.WARMUP_SECONDS ?? 2)
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
// With SUBSCRIBED=1 the benchmark tenant has a Post Office subscription (to a type nothing publishes), so the
// executions' `workflow.*` status events are written to the outbox and routed; without one they are not written.
const subscribed = process.env.SUBSCRIBED === '1'

function pgbenchTps(clients) {
  const dir = mkdtempSync(join(tmpdir(), 'pgbench-'))
  const script = join(dir, 'insert.sql')
  writeFileSync(script, "insert into bench_pgbench_insert (payload, at) values ('step', now());\n")
  const url = new URL(baseUrl)
  const args = [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    url.username || 'postgres',
    '-n',
    '-M',
    'prepared',
  ]
  args.push(
    '-c',
    String(clients),
    '-j',
    '2',
    '-T',
    String(seconds),
    '-f',
    script,
    url.pathname.slice(1) || 'postgres',
  )
  const output = execFileSync('pgbench', args, { encoding: 'utf8', env: { ...process.env, PGOPTIONS: '' } })
  return Number(/tps = ([\d.]+)/.exec(output)[1])
}

/**
 * Closed loop: WORKFLOWS slots each keep one workflow of STEPS no-op task steps running; the last step's handler
 * starts the slot's next workflow. Counts step transitions (task completions, each committed before the next
 * step's handler runs) during the measured window, after a warm-up.
 */
async function runEngine(env, afterWarmup = async () => {}) {
  const config = loadConfig({
    env: {
      LOG_LEVEL: 'warn',
      SYMPHAINY_FILES_URL: 'memory:',
      SYMPHAINY_CONDUCTOR_WORKER_CONCURRENCY: String(Math.max(16, workflows * 2)),
      ...env,
    },
  })
  const platform = await createPlatform(config)
  try {
    const { conductor } = platform.services
    const principal = { tenantId: 'bench-tenant', userId: 'bench' }
    let stepsDone = 0
    let running = true
    const failures = []
    const startOne = (slot) =>
      conductor.executions
        .start(principal, 'bench', { input: { slot } })
        .catch((error) => failures.push(error))
    conductor.registerHandler('bench.noop', async (input) => {
      stepsDone++
      return input
    })
    conductor.registerHandler('bench.last', async (input) => {
      stepsDone++
      if (running) void startOne(input.slot)
      return input
    })
    const definition = {
      name: 'bench',
      steps: Array.from({ length: steps }, (_, i) => ({
        id: `s${i}`,
        type: 'task',
        task: i === steps - 1 ? 'bench.last' : 'bench.noop',
      })),
    }
    await conductor.definitions.create(principal, definition)
    if (subscribed) {
      await platform.services.postOffice.subscriptions.create(principal.tenantId, principal.userId, {
        pattern: 'bench.unrelated',
        target: { kind: 'mailbox', mailbox: 'bench' },
      })
    }
    await Promise.all(Array.from({ length: workflows }, (_, slot) => startOne(slot)))
    await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000))
    await afterWarmup()
    await new Promise((resolve) => setTimeout(resolve, 500))
    const before = stepsDone
    const started = performance.now()
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    const rate = (stepsDone - before) / ((performance.now() - started) / 1000)
    running = false
    if (failures.length > 0) throw failures[0]
    await new Promise((resolve) => setTimeout(resolve, 500))
    return rate
  } finally {
    await platform.close()
  }
}

const client = new pg.Client({ connectionString: baseUrl })
await client.connect()
const schema = `bench_conductor_${process.pid}`
try {
  await client.query(
    'create table if not exists bench_pgbench_insert (id bigserial primary key, payload text, at timestamptz)',
  )
  const { rows } = await client.query('show synchronous_commit')
  const fsync = (await client.query('show fsync')).rows[0].fsync
  const pgbench = pgbenchTps(workflows)
  const url = new URL(baseUrl)
  url.searchParams.set('schema', schema)
  // The schema is new, so the statements' cached plans were made on empty tables (scans that would read every row
  // the warm-up wrote). In service, autovacuum analyzes a table within a minute of its first thousands of rows,
  // which invalidates those plans; ANALYZE here does the same at once, so the run measures the steady state.
  const analyze = () =>
    client.query(`analyze ${schema}.cd_executions, ${schema}.cd_tasks, ${schema}.cd_transitions`)
  const postgres = await runEngine({ SYMPHAINY_DATABASE_URL: url.toString() }, analyze)
  const folder = mkdtempSync(join(tmpdir(), 'bench-conductor-'))
  const sqlite = await runEngine({ SYMPHAINY_DATABASE_URL: `sqlite:${join(folder, 'bench.db')}` })
  console.log(`PostgreSQL: fsync=${fsync}, synchronous_commit=${rows[0].synchronous_commit}`)
  console.log(
    `${workflows} concurrent workflows x ${steps} steps; pgbench with ${workflows} clients for ${seconds} s`,
  )
  console.log(
    subscribed
      ? 'the tenant has a Post Office subscription: status events are written to the outbox and routed'
      : 'the tenant has no Post Office subscription: status events are not written (SUBSCRIBED=1 to have one)',
  )
  console.log(`pgbench single-statement insert: ${pgbench.toFixed(0)} tps`)
  console.log(
    `Conductor on PostgreSQL: ${postgres.toFixed(0)} step transitions/s -> ${(postgres / pgbench).toFixed(2)}x pgbench`,
  )
  console.log(`Conductor on SQLite (embedded): ${sqlite.toFixed(0)} step transitions/s`)
} finally {
  await client.query(`drop schema if exists ${schema} cascade`)
  await client.query('drop table if exists bench_pgbench_insert')
  await client.end()
}
