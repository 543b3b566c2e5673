import { describe, expect, it } from 'vitest'
import { toDatasetColumn } from './dataset-columns.js'

describe('toDatasetColumn', () => {
  it('keeps the types both sides share, with nullability', () => {
    for (const type of ['string', 'integer', 'number', 'boolean', 'date', 'datetime'] as const) {
      expect(toDatasetColumn({ name: 'c', type, nullable: false })).toEqual({
        name: 'c',
        type,
        nullable: false,
      })
      expect(toDatasetColumn({ name: 'c', type, nullable: true })).toEqual({
        name: 'c',
        type,
        nullable: true,
      })
    }
  })

  it('records a column without values as a nullable string', () => {
    expect(toDatasetColumn({ name: 'blank', type: 'empty', nullable: false })).toEqual({
      name: 'blank',
      type: 'string',
      nullable: true,
    })
  })

  it('records nested JSON and columns widened part way as json (mixed values)', () => {
    expect(toDatasetColumn({ name: 'tags', type: 'string', nullable: false, nested: true })).toEqual({
      name: 'tags',
      type: 'json',
      nullable: false,
    })
    expect(toDatasetColumn({ name: 'code', type: 'string', nullable: true, widenedAtRow: 1200 })).toEqual({
      name: 'code',
      type: 'json',
      nullable: true,
    })
  })
})
