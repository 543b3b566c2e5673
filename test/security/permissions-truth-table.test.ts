import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { adminResources, dataResources } from '../../src/smart-city/security-guard/permissions.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { putRole } from './guard-support.js'
import {
  type Rule,
  builtInSpec,
  everything,
  nothing,
  specAdminResources,
  specDataResources,
} from './permission-spec.js'

/**
 * casbin-style full truth table (security-and-reliability.md §1.2): every subject × every resource × every action,
 * in two tenants that define a custom role under the same name differently, plus "no policy" subjects that must
 * be denied everything. Expectations come from ./permission-spec.ts and the rules written below, never from the
 * code under test.
 */
const unknownResource = 'spaceship'
const actions = ['read', 'create', 'update', 'delete', 'execute', 'manage', 'launch'] as const
const resources = [...dataResources, ...adminResources, unknownResource]

const customRoles: Record<'A' | 'B', Record<string, string[]>> = {
  A: { analyst: ['dataset:read', 'journey:*'], reader: ['*:read'], filer: ['file:*'], empty: [] },
  B: { analyst: ['file:read'], root: ['*:*'], empty: [] },
}

interface Subject {
  label: string
  tenant: 'A' | 'B'
  roles: string[]
  rule: Rule
}

const analystA: Rule = (r, a) => (r === 'dataset' && a === 'read') || r === 'journey'
const subjects: Subject[] = [
  { label: 'A admin', tenant: 'A', roles: ['admin'], rule: builtInSpec.admin },
  { label: 'A member', tenant: 'A', roles: ['member'], rule: builtInSpec.member },
  { label: 'A viewer', tenant: 'A', roles: ['viewer'], rule: builtInSpec.viewer },
  { label: 'A analyst', tenant: 'A', roles: ['analyst'], rule: analystA },
  {
    label: 'A viewer+analyst',
    tenant: 'A',
    roles: ['viewer', 'analyst'],
    rule: (r, a) => builtInSpec.viewer(r, a) || analystA(r, a),
  },
  { label: 'A reader (*:read)', tenant: 'A', roles: ['reader'], rule: (_r, a) => a === 'read' },
  { label: 'A filer (file:*)', tenant: 'A', roles: ['filer'], rule: (r) => r === 'file' },
  { label: 'A empty role', tenant: 'A', roles: ['empty'], rule: nothing },
  { label: 'A no roles', tenant: 'A', roles: [], rule: nothing },
  { label: 'B admin', tenant: 'B', roles: ['admin'], rule: builtInSpec.admin },
  { label: 'B member', tenant: 'B', roles: ['member'], rule: builtInSpec.member },
  { label: 'B viewer', tenant: 'B', roles: ['viewer'], rule: builtInSpec.viewer },
  { label: 'B analyst', tenant: 'B', roles: ['analyst'], rule: (r, a) => r === 'file' && a === 'read' },
  { label: 'B root (*:*)', tenant: 'B', roles: ['root'], rule: everything },
  { label: 'B empty role', tenant: 'B', roles: ['empty'], rule: nothing },
  { label: 'B no roles', tenant: 'B', roles: [], rule: nothing },
]

describeOnProfiles('permission truth table', (profile) => {
  let node: Platform
  const accounts = new Map<string, Account>()
  const account = (label: string) => accounts.get(label)!

  async function check(who: Account, body: Record<string, string>) {
    return node.gateway.inject({
      method: 'POST',
      url: '/api/v1/permissions/check',
      headers: who.auth,
      payload: body,
    })
  }

  async function allowedFor(who: Account, resource: string, action: string): Promise<boolean> {
    const response = await check(who, { resource, action })
    if (response.statusCode !== 200) throw new Error(`check ${resource}:${action}: ${response.statusCode}`)
    const decision = response.json<{ allowed: unknown; reason: unknown }>()
    if (typeof decision.allowed !== 'boolean' || typeof decision.reason !== 'string')
      throw new Error(`not a decision: ${response.body}`)
    return decision.allowed
  }

  beforeAll(async () => {
    node = await profile.startNode()
    const admins = { A: await signUp(node.gateway), B: await signUp(node.gateway) }
    for (const tenant of ['A', 'B'] as const) {
      for (const [name, permissions] of Object.entries(customRoles[tenant]))
        await putRole(node.gateway, admins[tenant], name, permissions)
    }
    for (const subject of subjects) {
      const admin = admins[subject.tenant]
      const isSignupAdmin = subject.roles.length === 1 && subject.roles[0] === 'admin'
      accounts.set(subject.label, isSignupAdmin ? admin : await addUser(node.gateway, admin, subject.roles))
    }
  })

  it('the specification covers exactly the resources permissions.ts declares', () => {
    expect([...dataResources].sort()).toEqual([...specDataResources].sort())
    expect([...adminResources].sort()).toEqual([...specAdminResources].sort())
  })

  it.each(subjects)('every resource × action cell for $label matches the specification', async (subject) => {
    const who = account(subject.label)
    const cells = resources.flatMap((resource) => actions.map((action) => ({ resource, action })))
    const mismatches: string[] = []
    for (let i = 0; i < cells.length; i += 25) {
      await Promise.all(
        cells.slice(i, i + 25).map(async ({ resource, action }) => {
          const actual = await allowedFor(who, resource, action)
          const expected = subject.rule(resource, action)
          if (actual !== expected)
            mismatches.push(`${resource}:${action} expected ${expected}, got ${actual}`)
        }),
      )
    }
    expect(cells).toHaveLength(31 * 7)
    expect(mismatches).toEqual([])
  })

  it('checkPermission in code agrees with the specification on a sample of cells', async () => {
    const guard = node.services.securityGuard
    const sample = ['file', 'journey', 'dataset', 'user', 'api-key', 'audit', 'platform', unknownResource]
    const mismatches: string[] = []
    for (const subject of subjects) {
      const principal = await guard.authenticateHeader(account(subject.label).auth.authorization)
      for (const resource of sample) {
        for (const action of actions) {
          const actual = guard.checkPermission(principal, resource, action).allowed
          if (actual !== subject.rule(resource, action))
            mismatches.push(`${subject.label} ${resource}:${action} got ${actual}`)
        }
      }
    }
    expect(mismatches).toEqual([])
  })

  it('wildcards: *:read, file:* and *:* grant what they name, and a requested * is taken literally', async () => {
    const cases: [string, string, string, boolean][] = [
      ['A reader (*:read)', 'audit', 'read', true],
      ['A reader (*:read)', 'file', 'create', false],
      ['A reader (*:read)', '*', 'read', true],
      ['A reader (*:read)', 'file', '*', false],
      ['A reader (*:read)', '*', '*', false],
      ['A filer (file:*)', 'file', 'launch', true],
      ['A filer (file:*)', 'file', '*', true],
      ['A filer (file:*)', 'dataset', 'read', false],
      ['A filer (file:*)', '*', 'read', false],
      ['B root (*:*)', '*', '*', true],
      ['A admin', '*', '*', true],
      ['A member', 'file', '*', true],
      ['A member', '*', 'read', false],
      ['A member', 'user', '*', false],
      ['A viewer', 'file', '*', false],
      ['A analyst', 'journey', '*', true],
      ['B analyst', 'journey', '*', false],
    ]
    const actual = await Promise.all(
      cases.map(async ([label, resource, action]) => allowedFor(account(label), resource, action)),
    )
    expect(actual).toEqual(cases.map((c) => c[3]))
  })

  it("an admin asks about another user of the tenant and gets that user's answer", async () => {
    const admin = account('A admin')
    const ask = async (label: string, resource: string, action: string) => {
      const response = await check(admin, { resource, action, userId: account(label).userId })
      expect(response.statusCode).toBe(200)
      return response.json<{ allowed: boolean }>().allowed
    }
    expect(await ask('A member', 'file', 'delete')).toBe(true)
    expect(await ask('A member', 'user', 'create')).toBe(false)
    expect(await ask('A analyst', 'journey', 'execute')).toBe(true)
    expect(await ask('A analyst', 'file', 'read')).toBe(false)
    expect(await ask('A no roles', 'file', 'read')).toBe(false)
    // The admin itself would be allowed; the answer is the other user's.
    expect(await ask('A viewer', 'file', 'update')).toBe(false)
  })

  it("a user id of the other tenant is USER_NOT_FOUND, whatever the caller's rights", async () => {
    for (const [caller, target] of [
      ['A admin', 'B member'],
      ['B root (*:*)', 'A analyst'],
    ] as const) {
      const response = await check(account(caller), {
        resource: 'file',
        action: 'read',
        userId: account(target).userId,
      })
      expect(response.statusCode).toBe(404)
      expect(errorCode(response)).toBe('USER_NOT_FOUND')
      expect(response.body).not.toContain(account(target).email)
    }
  })

  it('a viewer or member asking about another user is refused with 403', async () => {
    for (const caller of ['A viewer', 'A member', 'A no roles']) {
      const response = await check(account(caller), {
        resource: 'file',
        action: 'read',
        userId: account('A analyst').userId,
      })
      expect(response.statusCode, caller).toBe(403)
      expect(errorCode(response)).toBe('PERMISSION_DENIED')
    }
    // Naming oneself is the same as not naming anyone.
    const self = account('A viewer')
    const own = await check(self, { resource: 'file', action: 'read', userId: self.userId })
    expect(own.json()).toMatchObject({ allowed: true })
  })
})
