import { parseArgs } from 'node:util'
import { configVariables, loadConfig } from '../kernel/config.js'
import { isPlatformError } from '../kernel/errors.js'
import { platformVersion } from '../kernel/version.js'
import { migratePlatformDatabase } from '../platform.js'
import { serve } from './serve.js'

const help = `symphainy ${platformVersion}

Usage: symphainy <command> [--help] [--version]

Commands:
  start     Serve the platform (migrates first unless SYMPHAINY_AUTO_MIGRATE=false).
            Stops gracefully on SIGTERM or SIGINT: stops accepting, drains, closes.
  migrate   Apply pending database migrations, print what was applied, and exit.

Configuration comes from the environment (and SYMPHAINY_CONFIG_FILE):
${configVariables.map((v) => `  ${v.name.padEnd(30)} ${v.default === undefined ? '(unset)' : `default ${v.default || '""'}`}`).join('\n')}
`

/** Runs one CLI command and answers the process exit code; `start` resolves only once the server has stopped. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    })
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${help}`)
    return 2
  }
  const [command, ...rest] = parsed.positionals
  if (parsed.values.version) {
    process.stdout.write(`${platformVersion}\n`)
    return 0
  }
  if (parsed.values.help || command === undefined || command === 'help') {
    process.stdout.write(help)
    return command === undefined && !parsed.values.help ? 2 : 0
  }
  if (rest.length > 0 || (command !== 'start' && command !== 'migrate')) {
    process.stderr.write(`Unknown command: ${[command, ...rest].join(' ')}\n\n${help}`)
    return 2
  }
  try {
    const config = loadConfig({ env })
    if (command === 'migrate') {
      const report = await migratePlatformDatabase(config)
      process.stdout.write(
        report.applied.length === 0
          ? `Database is up to date (${report.alreadyApplied.length} migrations applied earlier).\n`
          : `Applied ${report.applied.length} migrations: ${report.applied.join(', ')}\n`,
      )
      return 0
    }
    return await serve(config)
  } catch (error) {
    if (isPlatformError(error) && error.code === 'CONFIG_INVALID') {
      const problems = (error.details['problems'] ?? []) as { variable: string; value: string; fix: string }[]
      process.stderr.write(
        `Configuration is invalid:\n${problems.map((p) => `  ${p.variable}=${JSON.stringify(p.value)}: ${p.fix}`).join('\n')}\n`,
      )
      return 78
    }
    process.stderr.write(`symphainy ${command} failed: ${describe(error)}\n`)
    return 1
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : ''
  return `${error.message}${cause}`
}
