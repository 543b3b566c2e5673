import type { Completion } from './tasks.js'

/**
 * Group commit for the in-process handlers' completions. Completions go at the end of the current turn of the event
 * loop, together with every other completion of that turn; those that arrive while batches are being written wait
 * and go together in the next one. So under load one transaction carries many step transitions, and alone a
 * completion waits for nothing but the end of its turn. The completions waiting are shared evenly among the free
 * write slots: while one batch commits, the steps of another run, instead of every workflow moving in lockstep
 * behind one batch and the database and this process taking turns to work. A batch that fails is
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
  /** Told when a batch failed and is being retried one by one. */
  batchFailed(error: unknown, size: number): void
}

export function createCompletionBatcher(
  writers: CompletionWriters,
  limits: { maxBatch: number; maxInFlight: number },
) {
  const waiting: Waiting[] = []
  let inFlight = 0
  let scheduled = false

  function schedule(): void {
    if (scheduled) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      flush()
    })
  }

  function flush(): void {
    while (inFlight < limits.maxInFlight && waiting.length > 0) {
      const share = Math.ceil(waiting.length / (limits.maxInFlight - inFlight))
      const batch = waiting.splice(0, Math.min(share, limits.maxBatch))
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
    } catch (error) {
      writers.batchFailed(error, batch.length)
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
    complete(completion: Completion): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ ...completion, resolve, reject })
        schedule()
      })
    },
  }
}
