import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../kernel/http-schemas.js'
import { principalOf } from '../../kernel/principal.js'
import type { DocumentRecord, DocumentVersion } from './documents.js'
import { librarianErrors } from './errors.js'
import type { Librarian } from './index.js'
import type { SearchHit, SearchPage } from './search.js'
import { checkCollection, maxMetadataValueLength, metadataKeyPattern, tagPattern } from './validate.js'

const tags = ['librarian']
const iso = (ms: number) => new Date(ms).toISOString()
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const Timestamp = Type.String({ format: 'date-time' })
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()])
const Metadata = Type.Record(Type.String(), Scalar)

const DocumentFields = {
  title: Type.String({ maxLength: 500 }),
  body: Type.String(),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  tags: Type.Optional(Type.Array(Type.String(), { maxItems: 64 })),
}
const CreateBody = Type.Object(
  { collection: Type.String({ maxLength: 64 }), ...DocumentFields },
  { additionalProperties: false },
)
const UpdateBody = Type.Object(
  { collection: Type.Optional(Type.String({ maxLength: 64 })), ...DocumentFields },
  { additionalProperties: false },
)

const SummaryFields = {
  id: Type.String(),
  collection: Type.String(),
  title: Type.String(),
  metadata: Metadata,
  tags: Type.Array(Type.String()),
  version: Type.Integer(),
  createdAt: Timestamp,
  createdBy: Type.String(),
  updatedAt: Timestamp,
  updatedBy: Type.String(),
}
const DocumentView = Type.Object({ ...SummaryFields, body: Type.String() })
const ListItem = Type.Object({
  ...SummaryFields,
  score: Type.Optional(Type.Number()),
  highlights: Type.Optional(
    Type.Object({
      title: Type.String({ description: 'The title, HTML-escaped, matched words in <mark>.' }),
      body: Type.String({
        description: 'The best passage of the body, HTML-escaped, matched words in <mark>.',
      }),
    }),
  ),
})
const VersionView = Type.Object({
  version: Type.Integer(),
  collection: Type.String(),
  title: Type.String(),
  body: Type.String(),
  metadata: Metadata,
  tags: Type.Array(Type.String()),
  changedAt: Timestamp,
  changedBy: Type.String(),
})
const Page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })

const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 500 })),
    collection: Type.Optional(Type.String({ maxLength: 64 })),
    tag: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 256 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  {
    additionalProperties: false,
    patternProperties: { '^metadata\\.': Type.String({ maxLength: maxMetadataValueLength }) },
  },
)

function documentView(d: DocumentRecord) {
  return { ...d, createdAt: iso(d.createdAt), updatedAt: iso(d.updatedAt) }
}

function itemView(item: SearchPage['items'][number]) {
  return { ...item, createdAt: iso(item.createdAt), updatedAt: iso(item.updatedAt) } as Omit<
    SearchHit,
    'createdAt' | 'updatedAt'
  > & { createdAt: string; updatedAt: string }
}

function versionView(v: DocumentVersion) {
  return { ...v, changedAt: iso(v.changedAt) }
}

/** `If-Match: 3`, `"3"` or `W/"3"`; absent means "whatever is current". */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header)
  if (!match) throw librarianErrors.DOCUMENT_IF_MATCH_INVALID()
  return Number(match[1])
}

/** `metadata.<key>=<value>` parameters as a filter (a repeated key is refused: exact match takes one value). */
function metadataFilter(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(query)) {
    if (!name.startsWith('metadata.')) continue
    const key = name.slice('metadata.'.length)
    if (!metadataKeyPattern.test(key))
      throw librarianErrors.SEARCH_FILTER_INVALID({ parameter: name, reason: 'not a metadata key' })
    if (typeof value !== 'string')
      throw librarianErrors.SEARCH_FILTER_INVALID({ parameter: name, reason: 'give one value' })
    out[key] = value
  }
  return out
}

export function librarianRoutes(librarian: Librarian): FastifyPluginAsyncTypebox {
  const { documents, search } = librarian
  return (app) => {
    app.post(
      '/api/v1/documents',
      {
        config: { security: { permission: 'document:create' } },
        schema: {
          tags,
          summary: 'Store a document; it is searchable when this answers',
          body: CreateBody,
          response: { 201: DocumentView, 400: ErrorResponse, 413: ErrorResponse },
        },
      },
      async (request, reply) => {
        const document = await documents.create(principalOf(request), request.body)
        return reply.code(201).header('etag', `"${document.version}"`).send(documentView(document))
      },
    )
    app.get(
      '/api/v1/documents',
      {
        config: { security: { permission: 'document:read' } },
        schema: {
          tags,
          summary:
            'Ranked full-text search with highlights (`q`), or without `q` the documents newest first; filters: collection, tag (all must match), metadata.<key>=<value>',
          querystring: SearchQuery,
          response: { 200: Page(ListItem), 400: ErrorResponse },
        },
      },
      async (request) => {
        const query = request.query
        if (query.collection !== undefined) checkCollection(query.collection)
        for (const tag of query.tag ?? []) {
          if (!tagPattern.test(tag))
            throw librarianErrors.SEARCH_FILTER_INVALID({ parameter: 'tag', reason: 'not a tag' })
        }
        const page = await search.query(principalOf(request), {
          ...(query.q !== undefined && { q: query.q }),
          ...(query.collection !== undefined && { collection: query.collection }),
          ...(query.tag !== undefined && { tags: query.tag }),
          ...(query.limit !== undefined && { limit: query.limit }),
          ...(query.cursor !== undefined && { cursor: query.cursor }),
          ...(query.offset !== undefined && { offset: query.offset }),
          metadata: metadataFilter(query),
        })
        return { items: page.items.map(itemView), nextCursor: page.nextCursor }
      },
    )
    app.get(
      '/api/v1/documents/:id',
      {
        config: { security: { permission: 'document:read' } },
        schema: {
          tags,
          summary: 'One document, its current version also the ETag',
          params: IdParams,
          response: { 200: DocumentView, 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        const document = await documents.get(principalOf(request), request.params.id)
        return reply.header('etag', `"${document.version}"`).send(documentView(document))
      },
    )
    app.put(
      '/api/v1/documents/:id',
      {
        config: { security: { permission: 'document:update' } },
        schema: {
          tags,
          summary: 'Replace a document as a new version; If-Match makes it conditional (stale → 409)',
          params: IdParams,
          body: UpdateBody,
          response: { 200: DocumentView, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const document = await documents.update(
          principalOf(request),
          request.params.id,
          request.body,
          parseIfMatch(request.headers['if-match']),
        )
        return reply.header('etag', `"${document.version}"`).send(documentView(document))
      },
    )
    app.delete(
      '/api/v1/documents/:id',
      {
        config: { security: { permission: 'document:delete' } },
        schema: {
          tags,
          summary: 'Delete a document and its versions; it leaves search at once',
          params: IdParams,
          response: { 204: Type.Null(), 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        await documents.delete(
          principalOf(request),
          request.params.id,
          parseIfMatch(request.headers['if-match']),
        )
        return reply.code(204).send(null)
      },
    )
    app.get(
      '/api/v1/documents/:id/versions',
      {
        config: { security: { permission: 'document:read' } },
        schema: {
          tags,
          summary: 'Every kept version of a document, oldest first',
          params: IdParams,
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
              cursor: Type.Optional(Type.String({ maxLength: 256 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Page(VersionView), 404: ErrorResponse },
        },
      },
      async (request) => {
        const page = await documents.versions(principalOf(request), request.params.id, request.query)
        return { items: page.items.map(versionView), nextCursor: page.nextCursor }
      },
    )
    return Promise.resolve()
  }
}
