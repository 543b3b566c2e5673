import type { Completion } from './tasks.js'

/**
 * Group commit for the in-process handlers' completions. A completion that finds no batch being written goes at
 * once; completions that arrive while batches are being written wait and go together in the next one, so under load
 * one transaction carries many step transitions and alone a completion waits for nothing. A batch that fails is
 * retried one completion at a time, so one bad completion cannot hold the others back; each caller learns its own
 * completion's fate.
 */
interface Waiting extends Completion {
  resolve(): void
  reject(error: unknown): void
}

export interface CompletionWriters {
  many(items: readonly Completion[]): Promise<void>
  one(item: Completion): Promise<void>
}

export function createCompletionBatcher(
  writers: CompletionWriters,
  limits: { maxBatch: number; maxInFlight: number },
) {
  const waiting: Waiting[] = []
  let inFlight = 0

  function flush(): void {
    while (inFlight < limits.maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, limits.maxBatch)
      inFlight++
      void write(batch).finally(() => {
        inFlight--
        flush()
      })
    }
  }

  async function write(batch: Waiting[]): Promise<void> {
    try {
      await writers.many(batch)
      for (const item of batch) item.resolve()
    } catch {
      await Promise.all(
        batch.map((item) =>
          writers.one(item).then(
            () => item.resolve(),
            (error: unknown) => item.reject(error),
          ),
        ),
      )
    }
  }

  return {
    complete(id: string, output: unknown): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ id, output, resolve, reject })
        flush()
      })
    },
  }
}
