import { describe, expect, it } from 'vitest'
import {
  type PromotionStrategy,
  type StateInput,
  analyzeState,
  chooseStrategy,
  complexityScore,
  importanceScore,
  promotionReason,
  sizeScore,
  tierOf,
  ttlSecondsOf,
} from './analyzer.js'

const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))
const list = (n: number) => Array.from({ length: n }, (_, i) => i)
/** `{"s":"…"}` is the string's length + 8 bytes, and complexity 2 whatever the length. */
const ofSize = (bytes: number) => ({ s: 'x'.repeat(bytes - 8) })

describe('complexity score', () => {
  it.each<[string, Record<string, unknown>, number]>([
    ['empty', {}, 0],
    ['2 per top-level key, +0.5 per string (2.5 truncates to 2)', { a: 'x' }, 2],
    ['number and boolean are scalars', { a: 1, b: true }, 5],
    ['null counts as "other": +2', { a: null }, 4],
    ['object +1.5 per key', { a: { x: 1, y: 2 } }, 5],
    ['array +1.2 per item (2 + 3.6 = 5.6 → 5)', { a: list(3) }, 5],
    ['edge 5', { a: keys(2) }, 5],
    ['edge 6 (4 + 2.5)', { a: null, b: 'x' }, 6],
    ['edge 10 (4 + 4 + 2.5)', { a: null, b: null, c: 'x' }, 10],
    ['edge 11 (2 + 6 × 1.5)', { a: keys(6) }, 11],
    ['capped at 100', { a: list(100) }, 100],
    ['cap applies before truncation (99.2 stays 99)', { a: list(81) }, 99],
  ])('%s', (_label, data, expected) => {
    expect(complexityScore(data)).toBe(expected)
  })
})

describe('size score', () => {
  it.each([500, 501, 1000, 1001])('%i bytes', (bytes) => {
    expect(sizeScore(ofSize(bytes))).toBe(bytes)
  })
  it('counts UTF-8 bytes, not characters', () => {
    expect(sizeScore({ s: 'é€' })).toBe(8 + 2 + 3)
  })
})

describe('importance score', () => {
  it.each<[string, Omit<StateInput, 'data'> & { data?: Record<string, unknown> }, number]>([
    ['starts at 1', {}, 1],
    ['an explicit importance below 1 still starts at 1', { importance: 0 }, 1],
    ['an explicit larger importance replaces the start', { importance: 4 }, 4],
    ['user_id +2', { data: { user_id: 'u' } }, 3],
    ['session_id +2', { data: { session_id: 's' } }, 3],
    ['transaction_id +2', { data: { transaction_id: 't' } }, 3],
    ['workflow_id +2', { data: { workflow_id: 'w' } }, 3],
    ['camelCase twin userId +2', { data: { userId: 'u' } }, 3],
    ['both spellings of one field count once', { data: { user_id: 'u', userId: 'u' } }, 3],
    ['all four fields +8', { data: { user_id: 1, session_id: 1, transaction_id: 1, workflow_id: 1 } }, 9],
    ['type authentication +3', { type: 'authentication' }, 4],
    ['type authorization +3', { type: 'authorization' }, 4],
    ['type payment +3', { type: 'payment' }, 4],
    ['type workflow +2', { type: 'workflow' }, 3],
    ['type session +2', { type: 'session' }, 3],
    ['type user +2', { type: 'user' }, 3],
    ['type cache +0', { type: 'cache' }, 1],
    ['type temporary +0', { type: 'temporary' }, 1],
    ['an unknown type +0', { type: 'toString' }, 1],
    ['tag critical +3', { tags: ['critical'] }, 4],
    ['tag persistent +2', { tags: ['persistent'] }, 3],
    ['both tags +5, a repeated tag once', { tags: ['critical', 'persistent', 'critical'] }, 6],
    ['other tags +0', { tags: ['misc'] }, 1],
    ['contributors add up', { importance: 2, type: 'payment', tags: ['persistent'] }, 7],
    ['capped at 10', { importance: 10, type: 'payment', tags: ['critical'] }, 10],
    [
      'sums past 10 are capped',
      { data: { user_id: 1, session_id: 1 }, type: 'payment', tags: ['critical'] },
      10,
    ],
  ])('%s', (_label, input, expected) => {
    expect(importanceScore({ data: {}, ...input })).toBe(expected)
  })
})

describe('strategy and tier', () => {
  const scores = (complexity: number, size: number, importance: number) => ({ complexity, size, importance })
  it.each<[string, ReturnType<typeof scores>, PromotionStrategy]>([
    ['all low', scores(0, 0, 1), 'cache_only'],
    ['complexity 5', scores(5, 0, 1), 'cache_only'],
    ['complexity 6', scores(6, 0, 1), 'delayed_persist'],
    ['complexity 10', scores(10, 0, 1), 'delayed_persist'],
    ['complexity 11', scores(11, 0, 1), 'immediate_persist'],
    ['size 500', scores(0, 500, 1), 'cache_only'],
    ['size 501', scores(0, 501, 1), 'delayed_persist'],
    ['size 1000', scores(0, 1000, 1), 'delayed_persist'],
    ['size 1001', scores(0, 1001, 1), 'immediate_persist'],
    ['importance 5', scores(0, 0, 5), 'cache_only'],
    ['importance 6', scores(0, 0, 6), 'delayed_persist'],
    ['importance 8', scores(0, 0, 8), 'delayed_persist'],
    ['importance 9', scores(0, 0, 9), 'immediate_persist'],
    ['any one score decides (or)', scores(11, 0, 1), 'immediate_persist'],
  ])('%s → %s', (_label, s, expected) => {
    expect(chooseStrategy(s)).toBe(expected)
  })

  it('maps IMMEDIATE → SQL, DELAYED → key-value, CACHE_ONLY → memory', () => {
    expect(tierOf('immediate_persist')).toBe('sql')
    expect(tierOf('delayed_persist')).toBe('key-value')
    expect(tierOf('cache_only')).toBe('memory')
  })

  it.each<[string, Record<string, unknown>, PromotionStrategy]>([
    ['complexity 5 from data', { a: keys(2) }, 'cache_only'],
    ['complexity 6 from data', { a: null, b: 'x' }, 'delayed_persist'],
    ['complexity 10 from data', { a: null, b: null, c: 'x' }, 'delayed_persist'],
    ['complexity 11 from data', { a: keys(6) }, 'immediate_persist'],
    ['size 500 from data', ofSize(500), 'cache_only'],
    ['size 501 from data', ofSize(501), 'delayed_persist'],
    ['size 1000 from data', ofSize(1000), 'delayed_persist'],
    ['size 1001 from data', ofSize(1001), 'immediate_persist'],
  ])('end to end: %s → %s', (_label, data, expected) => {
    expect(analyzeState({ data }).strategy).toBe(expected)
  })

  it.each<[number, PromotionStrategy]>([
    [5, 'cache_only'],
    [6, 'delayed_persist'],
    [8, 'delayed_persist'],
    [9, 'immediate_persist'],
  ])('end to end: importance %i → %s', (importance, expected) => {
    expect(analyzeState({ data: {}, importance }).strategy).toBe(expected)
  })
})

describe('TTL', () => {
  const minutes15 = 15 * 60
  const hour = 3600
  const day = 86_400
  const week = 7 * day
  it.each<[PromotionStrategy, number, number]>([
    ['cache_only', 1, minutes15],
    ['cache_only', 5, minutes15],
    ['cache_only', 10, minutes15],
    ['delayed_persist', 4, hour],
    ['delayed_persist', 5, day],
    ['delayed_persist', 7, day],
    ['delayed_persist', 8, week],
    ['immediate_persist', 1, hour],
    ['immediate_persist', 4, hour],
    ['immediate_persist', 5, day],
    ['immediate_persist', 7, day],
    ['immediate_persist', 8, week],
    ['immediate_persist', 10, week],
  ])('%s with importance %i → %i s', (strategy, importance, expected) => {
    expect(ttlSecondsOf(strategy, importance)).toBe(expected)
  })

  it.each<[string, StateInput, number]>([
    ['cache-only 15 min', { data: {} }, minutes15],
    ['importance 9 → immediate, 7 days', { data: {}, importance: 9 }, week],
    ['importance 8 → delayed, 7 days', { data: {}, importance: 8 }, week],
    ['importance 6 → delayed, 1 day', { data: {}, importance: 6 }, day],
    ['complexity 11, importance 1 → immediate, 1 hour', { data: { a: keys(6) } }, hour],
    ['size 1001, importance 5 → immediate, 1 day', { data: ofSize(1001), importance: 5 }, day],
  ])('end to end: %s', (_label, input, expected) => {
    expect(analyzeState(input).ttlSeconds).toBe(expected)
  })
})

describe('should promote', () => {
  it.each<[string, Omit<StateInput, 'data'> & { data?: Record<string, unknown> }, string | null]>([
    ['promote flag → explicit_flag', { promote: true }, 'explicit_flag'],
    [
      'persistent session → persistent_session',
      { context: { persistentSession: true } },
      'persistent_session',
    ],
    ['a critical field → critical_data', { data: { transaction_id: 't' } }, 'critical_data'],
    ['a camelCase critical field → critical_data', { data: { workflowId: 'w' } }, 'critical_data'],
    [
      'user preference persistent_state → user_preference',
      { context: { userPreferences: { persistentState: true } } },
      'user_preference',
    ],
    ['type authentication → critical_state_type', { type: 'authentication' }, 'critical_state_type'],
    ['type authorization → critical_state_type', { type: 'authorization' }, 'critical_state_type'],
    ['type payment → critical_state_type', { type: 'payment' }, 'critical_state_type'],
    ['type workflow → critical_state_type', { type: 'workflow' }, 'critical_state_type'],
    ['the first reason wins', { promote: true, type: 'payment', data: { user_id: 1 } }, 'explicit_flag'],
    [
      'persistent session before critical data',
      { context: { persistentSession: true }, data: { user_id: 1 } },
      'persistent_session',
    ],
    [
      'critical data before preference',
      { data: { user_id: 1 }, context: { userPreferences: { persistentState: true } } },
      'critical_data',
    ],
    [
      'preference before type',
      { type: 'payment', context: { userPreferences: { persistentState: true } } },
      'user_preference',
    ],
    ['nothing → not recommended', {}, null],
    [
      'false flags, a non-critical type and important tags → not recommended',
      {
        promote: false,
        type: 'session',
        tags: ['critical', 'persistent'],
        importance: 10,
        context: { persistentSession: false, userPreferences: { persistentState: false } },
        data: { user: 'u', sessionid: 's' },
      },
      null,
    ],
  ])('%s', (_label, input, expected) => {
    const full = { data: {}, ...input }
    expect(promotionReason(full)).toBe(expected)
    expect(analyzeState(full).reason).toBe(expected)
  })
})
