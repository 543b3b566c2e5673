import { defineErrors } from '../../kernel/error-catalogue.js'

export const securityErrors = defineErrors('security-guard', {
  AUTH_REQUIRED: {
    kind: 'unauthorized',
    message: 'Authentication is required.',
    description: 'Send `Authorization: Bearer <accessToken>` or `Authorization: ApiKey <key>`.',
  },
  INVALID_TOKEN: {
    kind: 'unauthorized',
    message: 'The access token is invalid or expired.',
    description:
      'The token failed verification (signature, issuer, audience, type, time or revocation); refresh it or log in again.',
  },
  INVALID_API_KEY: {
    kind: 'unauthorized',
    message: 'The API key is invalid, expired or revoked.',
    description: 'Create a new key with `POST /api/v1/api-keys`.',
  },
  INVALID_CREDENTIALS: {
    kind: 'unauthorized',
    message: 'The email or password is wrong.',
    description: 'Login failed; a locked account answers exactly the same way.',
  },
  INVALID_REFRESH_TOKEN: {
    kind: 'unauthorized',
    message: 'The refresh token is invalid, expired or revoked.',
    description:
      'Log in again. Presenting an already used refresh token also revokes every token of its login session.',
  },
  AUTH_BUSY: {
    kind: 'unavailable',
    message: 'Too many password checks are in progress; retry shortly.',
    description: 'Password hashing is bounded; the queue is full. Retry after a short wait.',
    retryable: true,
  },
  WEAK_PASSWORD: {
    kind: 'invalid',
    message: 'The password is not acceptable: {reason}.',
    description:
      'Passwords need 8 to 1024 characters and must not be a commonly used password (details.reason).',
  },
  CURRENT_PASSWORD_INCORRECT: {
    kind: 'forbidden',
    message: 'The current password is wrong.',
    description:
      'Changing a password needs the current one. Failures count as failed logins of the account, and a locked account answers the same way.',
  },
  PASSWORD_CHANGE_NEEDS_USER: {
    kind: 'forbidden',
    message: 'Only a user signed in with a password can change it.',
    description: "An API key cannot change its owner's password; log in as the user.",
  },
  EMAIL_TAKEN: {
    kind: 'conflict',
    message: 'A user with this email already exists in this tenant.',
    description: 'Emails are unique per tenant, compared case-insensitively.',
  },
  TENANT_REQUIRED: {
    kind: 'invalid',
    message: 'This email belongs to several tenants; give tenantId.',
    description: 'The credentials match users in more than one tenant; repeat the login with `tenantId`.',
  },
  SIGNUP_DISABLED: {
    kind: 'forbidden',
    message: 'Sign-up is disabled on this platform.',
    description: 'SYMPHAINY_SIGNUP_ENABLED=false; ask an administrator to create your user.',
  },
  PERMISSION_DENIED: {
    kind: 'forbidden',
    message: 'You lack the permission {permission}.',
    description:
      'The caller is authenticated but none of its roles grants the permission the route declares.',
  },
  ROLE_ESCALATION: {
    kind: 'forbidden',
    message: 'You cannot grant roles you do not hold: {roles}.',
    description: 'API keys and non-admin grants may only carry roles the caller holds.',
  },
  USER_NOT_FOUND: {
    kind: 'not_found',
    message: 'No user {id} in this tenant.',
    description: "The id is unknown in the caller's tenant (users of other tenants are never visible).",
  },
  API_KEY_NOT_FOUND: {
    kind: 'not_found',
    message: 'No API key {id} in this tenant.',
    description: "The key is unknown in the caller's tenant, or belongs to another user.",
  },
  ROLE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No role named {name} in this tenant.',
    description: "Built-in roles are admin, member and viewer; others are the tenant's custom roles.",
  },
  ROLE_UNKNOWN: {
    kind: 'invalid',
    message: 'Unknown roles: {roles}.',
    description: 'Assign built-in roles or custom roles defined with `PUT /api/v1/roles/:name`.',
  },
  ROLE_BUILT_IN: {
    kind: 'conflict',
    message: 'The built-in role {name} cannot be changed.',
    description: 'admin, member and viewer are fixed; define a custom role instead.',
  },
  ROLE_IN_USE: {
    kind: 'conflict',
    message: 'Role {name} is still held by {count} users or keys.',
    description: 'Remove the role from every user and API key before deleting it.',
  },
  LAST_ADMIN: {
    kind: 'conflict',
    message: 'This would leave the tenant without an active admin.',
    description: 'A tenant keeps at least one active admin; promote another user first.',
  },
  INVALID_EXPIRY: {
    kind: 'invalid',
    message: 'expiresAt {expiresAt} is not in the future.',
    description: 'An API key must expire after it is created; omit expiresAt for a key that does not expire.',
  },
  SIGNING_KEY_INVALID: {
    kind: 'invalid',
    message: 'The token signing key cannot be used: {reason}.',
    description: 'SYMPHAINY_JWT_PRIVATE_KEY_FILE must hold a PKCS#8 PEM Ed25519 or P-256 private key.',
  },
})
