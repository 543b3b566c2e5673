import { librarianErrors } from './errors.js'

/** What a caller gives for a document; `validateDocument` checks every bound before anything is stored. */
export interface DocumentInput {
  collection: string
  title: string
  body: string
  metadata?: Record<string, unknown>
  tags?: string[]
}

export type Scalar = string | number | boolean

export interface ValidDocument {
  collection: string
  title: string
  body: string
  metadata: Record<string, Scalar>
  tags: string[]
}

export const collectionPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
export const metadataKeyPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/
export const tagPattern = /^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,63}$/
export const maxTitleLength = 500
export const maxMetadataKeys = 32
export const maxMetadataValueLength = 256
export const maxTags = 32

export function checkCollection(collection: unknown): string {
  if (typeof collection !== 'string' || !collectionPattern.test(collection))
    throw librarianErrors.DOCUMENT_COLLECTION_INVALID({ collection: String(collection).slice(0, 80) })
  return collection
}

export function checkMetadataValue(key: string, value: unknown): Scalar {
  if (typeof value === 'string') {
    if (value.length > maxMetadataValueLength)
      throw librarianErrors.DOCUMENT_METADATA_INVALID({
        reason: `${key} is longer than ${maxMetadataValueLength}`,
      })
    return value
  }
  if (typeof value === 'boolean') return value
  if (typeof value === 'number' && Number.isFinite(value)) return value
  throw librarianErrors.DOCUMENT_METADATA_INVALID({
    reason: `${key} is not a string, finite number or boolean`,
  })
}

function checkMetadata(metadata: unknown): Record<string, Scalar> {
  if (metadata === undefined) return {}
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw librarianErrors.DOCUMENT_METADATA_INVALID({ reason: 'not an object' })
  const entries = Object.entries(metadata)
  if (entries.length > maxMetadataKeys)
    throw librarianErrors.DOCUMENT_METADATA_INVALID({ reason: `more than ${maxMetadataKeys} keys` })
  const out: Record<string, Scalar> = {}
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!metadataKeyPattern.test(key))
      throw librarianErrors.DOCUMENT_METADATA_INVALID({
        reason: `key ${JSON.stringify(key.slice(0, 80))} is not allowed`,
      })
    out[key] = checkMetadataValue(key, value)
  }
  return out
}

function checkTags(tags: unknown): string[] {
  if (tags === undefined) return []
  if (!Array.isArray(tags)) throw librarianErrors.DOCUMENT_TAGS_INVALID({ reason: 'not a list' })
  const unique = [...new Set(tags)]
  if (unique.length > maxTags)
    throw librarianErrors.DOCUMENT_TAGS_INVALID({ reason: `more than ${maxTags} tags` })
  for (const tag of unique) {
    if (typeof tag !== 'string' || !tagPattern.test(tag))
      throw librarianErrors.DOCUMENT_TAGS_INVALID({
        reason: `${JSON.stringify(String(tag).slice(0, 80))} is not a tag`,
      })
  }
  return (unique as string[]).sort()
}

export function validateDocument(input: DocumentInput, maxBodyBytes: number): ValidDocument {
  const collection = checkCollection(input.collection)
  if (typeof input.title !== 'string' || input.title.trim() === '' || input.title.length > maxTitleLength)
    throw librarianErrors.DOCUMENT_TITLE_INVALID({ maxLength: maxTitleLength })
  if (typeof input.body !== 'string') throw librarianErrors.DOCUMENT_BODY_INVALID()
  if (Buffer.byteLength(input.body) > maxBodyBytes)
    throw librarianErrors.DOCUMENT_BODY_TOO_LARGE({ maxBytes: maxBodyBytes })
  return {
    collection,
    title: input.title,
    body: input.body,
    metadata: checkMetadata(input.metadata),
    tags: checkTags(input.tags),
  }
}
