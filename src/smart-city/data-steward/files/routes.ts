import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { isPlatformError } from '../../../kernel/errors.js'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import { acceptedTypes } from './content-types.js'
import { fileErrors } from './errors.js'
import type { FileLibrary, FileRecord } from './file-library.js'
import { attachmentDisposition } from './file-names.js'
import { discardUnreadBody } from './unread-body.js'
import { uploadIdPattern } from './upload-progress.js'

const tags = ['data-steward']
const FileView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  size: Type.Integer(),
  contentType: Type.String(),
  checksum: Type.String({ description: 'SHA-256 of the bytes, lower-case hex.' }),
  role: Type.Union([Type.Literal('data'), Type.Literal('copybook')]),
  copybookId: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
})
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

const view = (file: FileRecord) => ({
  id: file.id,
  name: file.name,
  size: file.size,
  contentType: file.contentType,
  checksum: file.checksum,
  role: file.role,
  copybookId: file.copybookId,
  createdBy: file.createdBy,
  createdAt: new Date(file.createdAt).toISOString(),
})

// Multipart's own limit errors, raised between parts: more parts than `file` + `copybook` (+ one field to refuse).
const partLimitCodes = new Set(['FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT'])

function uploadFailure(error: unknown): unknown {
  if (isPlatformError(error)) return error
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && partLimitCodes.has(code)) {
    return fileErrors.FILE_PART_UNEXPECTED({
      part: 'extra',
      reason: 'an upload has one `file` and at most one `copybook` part',
    })
  }
  if (error instanceof Error) return fileErrors.FILE_UPLOAD_MALFORMED({ reason: error.message }, error)
  return error
}

/** The Data Steward's file routes: streamed multipart upload, list, metadata, download and delete. */
export function fileRoutes(library: FileLibrary): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(multipart, { throwFileSizeLimit: false })
    const partLimits = {
      parts: 3,
      files: 2,
      fields: 1,
      fieldSize: 1024,
      // The file store's `maxBytes` answers FILE_TOO_LARGE first; busboy's cut is only a backstop.
      fileSize: library.maxUploadBytes + 1,
    }

    app.post(
      '/api/v1/files',
      {
        config: { security: { permission: 'file:create' } },
        schema: {
          tags,
          summary: 'Upload a file (multipart `file` part, optional `copybook` part), streamed to storage',
          description:
            'The `file` part is streamed into the file store and answered 413 FILE_TOO_LARGE as soon as it passes ' +
            'SYMPHAINY_MAX_UPLOAD_BYTES. Its declared content type must be one of ' +
            `${acceptedTypes.join(', ')} and match the bytes (FILE_TYPE_MISMATCH otherwise). An optional ` +
            '`copybook` part (text/plain, at most 1 MiB) is stored as a second file with `role: "copybook"` and ' +
            'linked as `copybookId`. With `?uploadId=<id>` (chosen by the client), "bytes received" events are ' +
            'published on the WebSocket channel `events:file.upload.<id>`. A failed upload stores nothing. The ' +
            'whole body must arrive within SYMPHAINY_REQUEST_TIMEOUT_MS.',
          querystring: Type.Object(
            { uploadId: Type.Optional(Type.String({ pattern: uploadIdPattern.source })) },
            { additionalProperties: false },
          ),
          response: { 201: FileView, 400: ErrorResponse, 413: ErrorResponse },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart()) throw fileErrors.FILE_UPLOAD_NOT_MULTIPART()
        const principal = principalOf(request)
        const upload = library.beginUpload({
          tenantId: principal.tenantId,
          createdBy: principal.userId,
          uploadId: request.query.uploadId,
        })
        try {
          for await (const part of request.parts({ limits: partLimits })) {
            if (part.type === 'field') {
              throw fileErrors.FILE_PART_UNEXPECTED({
                part: part.fieldname.slice(0, 64),
                reason: 'form fields are not accepted, only file parts',
              })
            }
            await upload.receive({
              field: part.fieldname,
              filename: part.filename,
              declaredType: part.mimetype,
              body: part.file,
            })
          }
          // The request timeout may have answered already: a file the client was told failed must not appear.
          if (reply.sent) {
            await upload.abort('REQUEST_TIMEOUT')
            return reply
          }
          return reply.code(201).send(view(await upload.finish()))
        } catch (error) {
          const failure = uploadFailure(error)
          await upload.abort(isPlatformError(failure) ? failure.code : 'INTERNAL_ERROR')
          discardUnreadBody(request.raw, reply.raw)
          throw failure
        }
      },
    )

    app.get(
      '/api/v1/files',
      {
        config: { security: { permission: 'file:read' } },
        schema: {
          tags,
          summary: "The tenant's files, newest first",
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
              cursor: Type.Optional(Type.String({ maxLength: 256 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(FileView),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            400: ErrorResponse,
          },
        },
      },
      async (request) => {
        const page = await library.list(principalOf(request).tenantId, request.query)
        return { items: page.items.map(view), nextCursor: page.nextCursor }
      },
    )

    app.get(
      '/api/v1/files/:id',
      {
        config: { security: { permission: 'file:read' } },
        schema: {
          tags,
          summary: "A file's record",
          params: IdParams,
          response: { 200: FileView, 404: ErrorResponse },
        },
      },
      async (request) => view(await library.get(principalOf(request).tenantId, request.params.id)),
    )

    app.get(
      '/api/v1/files/:id/content',
      {
        config: { security: { permission: 'file:read' } },
        schema: {
          tags,
          summary: "A file's bytes, as an attachment with its stored content type",
          description:
            'Streams the bytes with `Content-Length`; 404 FILE_RECORD_NOT_FOUND for an unknown id.',
          params: IdParams,
        },
      },
      async (request, reply) => {
        const tenantId = principalOf(request).tenantId
        const file = await library.get(tenantId, request.params.id)
        const body = await library.open(tenantId, file.id)
        return reply
          .type(file.contentType)
          .header('content-length', file.size)
          .header('content-disposition', attachmentDisposition(file.name))
          .header('x-content-type-options', 'nosniff')
          .send(body)
      },
    )

    app.delete(
      '/api/v1/files/:id',
      {
        config: { security: { permission: 'file:delete' } },
        schema: {
          tags,
          summary: 'Delete a file: its record and its bytes (and the copybook uploaded with it)',
          params: IdParams,
          response: { 204: Type.Null(), 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        await library.delete(principalOf(request).tenantId, request.params.id)
        return reply.code(204).send(null)
      },
    )
  }
}
