// Start-up time (spawn → first 200 from /ready) and idle RSS (5 s after ready) of the embedded profile, measured
// side by side with a bare Fastify hello-world process. Run: npm run bench:startup
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const runs = Number(process.env.RUNS ?? 5)
const idleMs = 5000
const root = fileURLToPath(new URL('../', import.meta.url))
const subjects = {
  symphainy: [join(root, 'dist/cli/main.js'), 'start'],
  'fastify-hello': [join(root, 'bench/peers/fastify-hello.js')],
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024
}

async function measure(args) {
  const cwd = mkdtempSync(join(tmpdir(), 'symphainy-bench-'))
  const started = performance.now()
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'info' },
  })
  let output = ''
  const address = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = /"address":"([^"]+)"/.exec(output)
      if (match) resolve(match[1])
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)))
  })
  while ((await fetch(`${address}/ready`).catch(() => ({ status: 0 }))).status !== 200) {
    await new Promise((r) => setTimeout(r, 5))
  }
  const readyMs = performance.now() - started
  await new Promise((r) => setTimeout(r, idleMs))
  const rss = rssMb(child.pid)
  child.kill('SIGTERM')
  await new Promise((r) => child.on('exit', r))
  return { readyMs, rss }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const results = {}
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(subjects)) {
    ;(results[name] ??= []).push(await measure(args))
  }
}
const summary = Object.fromEntries(
  Object.entries(results).map(([name, list]) => [
    name,
    { readyMs: median(list.map((r) => r.readyMs)), rssMb: median(list.map((r) => r.rss)) },
  ]),
)
for (const [name, { readyMs, rssMb: rss }] of Object.entries(summary)) {
  console.log(
    `${name.padEnd(14)} ready ${readyMs.toFixed(0).padStart(5)} ms   idle RSS ${rss.toFixed(1).padStart(6)} MB`,
  )
}
const s = summary.symphainy
const p = summary['fastify-hello']
console.log(
  `ratio symphainy / fastify-hello: start-up ${(s.readyMs / p.readyMs).toFixed(2)}x, RSS ${(s.rssMb / p.rssMb).toFixed(2)}x` +
    ` (median of ${runs}; goals: ready ≤ 2000 ms → ${s.readyMs <= 2000 ? 'met' : 'MISSED'}, RSS ≤ 150 MB → ${s.rssMb <= 150 ? 'met' : 'MISSED'})`,
)
