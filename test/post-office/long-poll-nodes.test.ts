import { beforeAll, expect, it, vi } from 'vitest'
import { type ManualClock, createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { type Account, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { postOfficeClient, uniqueMailbox } from './support.js'

describeOnProfiles('Post Office long polls across nodes and shutdown', (profile) => {
  let first: Platform
  let clock: ManualClock
  let admin: Account

  beforeAll(async () => {
    clock = createManualClock(Date.now())
    first = await profile.startNode({ SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400' }, { clock })
    admin = await signUp(first.gateway)
  })

  it.skipIf(!profile.canShareNodes)('a send on one node wakes a long poll waiting on another', async () => {
    const second = await profile.startNode({ SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400' }, { clock })
    const box = uniqueMailbox('cross-node')
    // The manual clock stands still: only the pub/sub hint from the other node can end this wait.
    const waiting = postOfficeClient(() => second).receive(admin, box, '?wait=20')
    await vi.waitFor(() => expect(second.services.postOffice.mailboxes.wakeups.waiting()).toBe(1))
    await postOfficeClient(() => first).send(admin, { type: 'hello', recipient: box, payload: 'from node 1' })
    expect(await waiting).toMatchObject([{ payload: 'from node 1', attempts: 1 }])
  })

  it('a waiting long poll answers (empty) when its server closes', async () => {
    const node = await profile.startNode({ SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400' }, { clock })
    const box = uniqueMailbox('closing')
    const owner = await signUp(node.gateway)
    const waiting = postOfficeClient(() => node).call(
      owner,
      'GET',
      `/api/v1/mailboxes/${box}/messages?wait=20`,
    )
    await vi.waitFor(() => expect(node.services.postOffice.mailboxes.wakeups.waiting()).toBe(1))
    await node.close()
    const response = await waiting
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ items: [] })
  })
})
