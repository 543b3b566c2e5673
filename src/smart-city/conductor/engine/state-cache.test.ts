import { describe, expect, it } from 'vitest'
import { initialState } from './state.js'
import { createStateCache } from './state-cache.js'

describe('execution state cache', () => {
  it('gives a state back only for the exact text it was written as, and only once', () => {
    const cache = createStateCache(10)
    const state = initialState({ a: 1 })
    const text = JSON.stringify(state)
    cache.put([{ executionId: 'exe_1', text, state }])
    expect(cache.take('exe_1', text)).toBe(state)
    expect(cache.take('exe_1', text)).toBeUndefined()
    cache.put([{ executionId: 'exe_1', text, state }])
    expect(cache.take('exe_1', JSON.stringify(initialState({ a: 2 })))).toBeUndefined()
    expect(cache.take('exe_1', text)).toBeUndefined()
  })

  it('forgets the oldest entries beyond its bound', () => {
    const cache = createStateCache(2)
    const entry = (id: string) => ({ executionId: id, text: id, state: initialState(undefined) })
    cache.put([entry('exe_1'), entry('exe_2')])
    cache.put([entry('exe_3')])
    expect(cache.take('exe_1', 'exe_1')).toBeUndefined()
    expect(cache.take('exe_2', 'exe_2')).toBeDefined()
    expect(cache.take('exe_3', 'exe_3')).toBeDefined()
  })
})
