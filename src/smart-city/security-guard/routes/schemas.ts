import { Type } from 'typebox'
import { permissionPattern, roleNamePattern } from '../permissions.js'

/** Request and response schemas of the Security Guard's routes; they validate input and make the OpenAPI. */
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' })
export const Password = Type.String({
  minLength: 1,
  maxLength: 4096,
  description: '8 to 1024 characters, not a common password',
})
export const PersonName = Type.String({ minLength: 1, maxLength: 200 })
export const RoleName = Type.String({ pattern: roleNamePattern.source, maxLength: 40 })
export const Permission = Type.String({ pattern: permissionPattern.source, maxLength: 81 })
export const Id = Type.String({ minLength: 1, maxLength: 64 })
export const Timestamp = Type.String({ format: 'date-time' })

export const IdParams = Type.Object({ id: Id })

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
)

export const pageOf = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })

export const UserView = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  roles: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

export const TenantView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.String(),
  createdAt: Timestamp,
})

export const TokenPairView = {
  accessToken: Type.String(),
  accessTokenExpiresAt: Timestamp,
  refreshToken: Type.String(),
  refreshTokenExpiresAt: Timestamp,
}

export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  roles: Type.Array(Type.String()),
  userId: Type.String(),
  createdAt: Timestamp,
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
})

export const RoleView = Type.Object({
  name: Type.String(),
  permissions: Type.Array(Type.String()),
  builtIn: Type.Boolean(),
  description: Type.Union([Type.String(), Type.Null()]),
})

export const Decision = Type.Object({ allowed: Type.Boolean(), reason: Type.String() })

export const AuditEventView = Type.Object({
  id: Type.String(),
  at: Timestamp,
  action: Type.String(),
  outcome: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
  target: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
})
