import { Type } from 'typebox'

/** The error body every route answers with (shared/API.md): `{error:{code,message,details,requestId}}`. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Record(Type.String(), Type.Unknown()),
      requestId: Type.String(),
    }),
  },
  { $id: 'ErrorResponse', description: 'Error body; the status comes from the error kind.' },
)

/**
 * A `preValidation` hook for routes whose whole body is optional: a request without one is validated (and
 * handled) as `{}`, since Fastify would otherwise check `undefined` against the object schema.
 */
export function emptyBodyAsObject(request: { body: unknown }, _reply: unknown, done: () => void): void {
  request.body ??= {}
  done()
}
