// Shared by the benchmarks: start a server process the way `npm start` does (PORT=0, the address read from its
// `listening` log line) in an empty folder, and run autocannon as a promise.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

export const root = fileURLToPath(new URL('../', import.meta.url))
export const symphainyStart = [join(root, 'dist/cli/main.js'), 'start']

export function startProcess(args, env = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'symphainy-bench-'))
  const started = performance.now()
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'info', ...env },
  })
  let output = ''
  child.stderr.on('data', (chunk) => (output += chunk))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = /"address":"([^"]+)"/.exec(output)
      if (match) resolve({ child, address: match[1], started })
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)))
  })
}

export const load = (options) =>
  new Promise((resolve, reject) =>
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result))),
  )

export const rssMb = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024
