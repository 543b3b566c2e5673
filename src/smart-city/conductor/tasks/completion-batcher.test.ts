import { describe, expect, it } from 'vitest'
import type { Completion } from './tasks.js'
import { createCompletionBatcher } from './completion-batcher.js'

function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

describe('completion batcher', () => {
  it('sends the completions of one turn together, and groups those arriving while a batch is written', async () => {
    const batches: string[][] = []
    const first = gate()
    const batcher = createCompletionBatcher(
      {
        many: async (items) => {
          batches.push(items.map((item) => item.id))
          if (batches.length === 1) await first.opened
        },
        one: () => Promise.reject(new Error('not expected')),
        batchFailed: () => undefined,
      },
      { maxBatch: 3, maxInFlight: 1 },
    )
    const done = [batcher.complete({ id: 'a', output: 1 }), batcher.complete({ id: 'b', output: 2 })]
    expect(batches).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    expect(batches).toEqual([['a', 'b']])
    for (const id of ['c', 'd', 'e', 'f']) done.push(batcher.complete({ id: id, output: id }))
    await new Promise((resolve) => setImmediate(resolve))
    expect(batches).toHaveLength(1)
    first.open()
    await Promise.all(done)
    expect(batches).toEqual([['a', 'b'], ['c', 'd', 'e'], ['f']])
  })

  it('retries a failed batch one by one, so each caller learns its own outcome', async () => {
    const singles: Completion[] = []
    const failures: [string, number][] = []
    const batcher = createCompletionBatcher(
      {
        many: () => Promise.reject(new Error('the batch failed')),
        batchFailed: (error, size) => failures.push([(error as Error).message, size]),
        one: async (item) => {
          singles.push(item)
          if (item.id === 'bad') throw new Error('bad completion')
        },
      },
      { maxBatch: 10, maxInFlight: 1 },
    )
    const results = await Promise.allSettled([
      batcher.complete({ id: 'good', output: 1 }),
      batcher.complete({ id: 'bad', output: 2 }),
      batcher.complete({ id: 'fine', output: 3 }),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(failures).toEqual([['the batch failed', 3]])
    expect(singles.map((item) => [item.id, item.output])).toEqual([
      ['good', 1],
      ['bad', 2],
      ['fine', 3],
    ])
  })

  it('keeps at most maxInFlight batches in flight', async () => {
    let inFlight = 0
    let most = 0
    const batcher = createCompletionBatcher(
      {
        many: async () => {
          most = Math.max(most, ++inFlight)
          await new Promise((resolve) => setImmediate(resolve))
          inFlight--
        },
        one: () => Promise.resolve(),
        batchFailed: () => undefined,
      },
      { maxBatch: 1, maxInFlight: 2 },
    )
    await Promise.all(Array.from({ length: 7 }, (_, i) => batcher.complete({ id: `t${i}`, output: i })))
    expect(most).toBe(2)
  })

  it('shares the completions of one turn evenly among the free write slots', async () => {
    const batches: string[][] = []
    const batcher = createCompletionBatcher(
      {
        many: async (items) => void batches.push(items.map((item) => item.id)),
        one: () => Promise.reject(new Error('not expected')),
        batchFailed: () => undefined,
      },
      { maxBatch: 100, maxInFlight: 3 },
    )
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => batcher.complete({ id, output: id })))
    expect(batches).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
      ['f', 'g'],
    ])
  })
})
