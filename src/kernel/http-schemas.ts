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
