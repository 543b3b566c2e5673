import { Piscina } from 'piscina'
import type { CsvPartResult, PartParsing } from './parsing/index.js'

export interface CsvPartPoolSettings {
  /** Worker threads at most; 0 means no pool (files parse on the calling thread). */
  threads: number
  /** Files at least this large are parsed in parts (default 4 MiB). */
  minBytes?: number
  /**
   * Size of one part (default 256 KiB). In the platform each part costs a round trip through the event loop: in the
   * content-parse benchmark 128 KiB parts took about a fifth more CPU than 512 KiB to 2 MiB ones, which in turn
   * raised the RSS growth of a 100 MB parse from about 130 MB to 180 MB.
   */
  partBytes?: number
}

const idleMs = 30_000

/**
 * Worker threads that parse CSV/TSV parts for every parse of the pillar, started on first use and ended when idle
 * (a pool shared by all tenants' parses, so large uploads never ask for more than `threads` cores). Parts of one
 * file are sent `threads * 2` at a time, so a thread finds the next part waiting.
 */
export function createCsvPartPool(settings: CsvPartPoolSettings): {
  parts: PartParsing | undefined
  close(): Promise<void>
} {
  if (settings.threads <= 0) return { parts: undefined, close: () => Promise.resolve() }
  // From the TypeScript sources (the tests), the worker loads its .ts files through tsx; built, it is plain .js.
  const fromSources = import.meta.url.endsWith('.ts')
  const filename = new URL(`./csv-part-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url).href
  let pool: Piscina | undefined
  const parts: PartParsing = {
    minBytes: settings.minBytes ?? 4 * 1024 * 1024,
    partBytes: settings.partBytes ?? 256 * 1024,
    inFlight: settings.threads * 2,
    run(task) {
      pool ??= new Piscina({
        filename,
        minThreads: 0,
        maxThreads: settings.threads,
        idleTimeout: idleMs,
        ...(fromSources && { execArgv: ['--import', 'tsx'] }),
      })
      return pool.run(task) as Promise<CsvPartResult>
    },
  }
  return {
    parts,
    async close() {
      await pool?.destroy()
      pool = undefined
    },
  }
}
