import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
/** What `npm start` runs once its `prestart` build is done; `npm test` builds before the suites run. */
export const cliEntry = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams
  baseUrl: string
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `symphainy start` with PORT=0 and waits for its `listening` log line to learn the address. */
export async function startServerProcess(
  env: Record<string, string>,
  cwd = repoRoot,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cliEntry, 'start'], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000)
    const onData = () => {
      const match = /"address":"(http:\/\/[^"]+)"/.exec(output)
      if (match) {
        clearTimeout(timer)
        child.stdout.off('data', onData)
        resolve(match[1]!)
      }
    }
    child.stdout.on('data', onData)
    void exited.then(({ code }) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before listening:\n${output}`))
    })
  })
  return { child, baseUrl, output: () => output, exited }
}

export function runCliProcess(args: string[], env: Record<string, string>, cwd = repoRoot) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}
