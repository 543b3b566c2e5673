/**
 * The permission model written out by hand, independently of src/smart-city/security-guard/permissions.ts, so the
 * truth-table and route suites compare the implementation with a specification instead of with itself. If the
 * code's resource lists change, the truth table fails until this file is updated on purpose.
 */
export type Rule = (resource: string, action: string) => boolean

/** Tenant data that members work on and viewers read. */
export const specDataResources: readonly string[] = [
  'session',
  'state',
  'workflow',
  'execution',
  'task',
  'message',
  'mailbox',
  'event',
  'subscription',
  'agent',
  'document',
  'file',
  'schema',
  'dataset',
  'lineage',
  'journey',
  'solution',
  'delivery',
  'preference',
  'interaction',
]

/** Administration; only `*:*` holds these, except the few members and viewers may read. */
export const specAdminResources: readonly string[] = [
  'user',
  'role',
  'api-key',
  'audit',
  'rate-limit',
  'traffic',
  'platform',
  'permission',
  'service',
  'use-case',
]

const readableByEveryone: readonly string[] = ['user', 'role', 'service', 'use-case']
const memberKeyActions: readonly string[] = ['create', 'read', 'delete']

const isData = (resource: string) => specDataResources.includes(resource)

export const nothing: Rule = () => false
export const everything: Rule = () => true

export const builtInSpec: Record<'admin' | 'member' | 'viewer', Rule> = {
  admin: everything,
  member: (r, a) =>
    isData(r) ||
    (readableByEveryone.includes(r) && a === 'read') ||
    (r === 'api-key' && memberKeyActions.includes(a)) ||
    (r === 'service' && a === 'proxy'),
  viewer: (r, a) => a === 'read' && (isData(r) || readableByEveryone.includes(r)),
}
