import { describe, expect, it } from 'vitest'
import type { ExecutionsTable } from '../tables.js'
import { createExecutionCache } from './execution-cache.js'
import { initialState } from './state.js'

const entry = (id: string, rev: number) => ({
  row: { id, rev } as ExecutionsTable,
  state: initialState({ id }),
})

describe('execution cache', () => {
  it('gives an entry back once, and with a revision only when the cached row is at it', () => {
    const cache = createExecutionCache(10)
    const first = entry('exe_1', 3)
    cache.put([first])
    expect(cache.take('exe_1', 3)).toBe(first)
    expect(cache.take('exe_1', 3)).toBeUndefined()
    cache.put([first])
    expect(cache.take('exe_1', 4)).toBeUndefined()
    expect(cache.take('exe_1')).toBeUndefined()
    cache.put([first])
    expect(cache.take('exe_1')).toBe(first)
  })

  it('forgets the oldest entries beyond its bound', () => {
    const cache = createExecutionCache(2)
    cache.put([entry('exe_1', 1), entry('exe_2', 1)])
    cache.put([entry('exe_3', 1)])
    expect(cache.take('exe_1')).toBeUndefined()
    expect(cache.take('exe_2')).toBeDefined()
    expect(cache.take('exe_3')).toBeDefined()
  })
})
