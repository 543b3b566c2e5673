import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { createSequentialIdGenerator } from '../../src/kernel/ids.js'
import { type Account, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { type Target, fillerDocuments, relevanceCases, targets } from './corpus.js'
import { type Hit, librarianClient } from './support.js'

/** `k=v&k2=v2` with each value URL-encoded. */
const encode = (query: string) =>
  query
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=')
      return `${pair.slice(0, at)}=${encodeURIComponent(pair.slice(at + 1))}`
    })
    .join('&')

/** Each profile's full rankings (ids and scores), compared once both profiles have run. */
const rankings: Partial<Record<'embedded' | 'scaled', Record<string, [string, number][]>>> = {}

describeOnProfiles('Librarian search relevance', (profile) => {
  let node: Platform
  let owner: Account
  let rival: Account
  const client = librarianClient(() => node)
  const ids = {} as Record<Target, string>
  const nameOf = new Map<string, string>()
  const all = async (who: Account, query: string) =>
    (await client.search(who, `${encode(query)}&limit=200`)).items

  beforeAll(async () => {
    // Sequential ids: both profiles then create the same ids in the same order, so id tie-breaks compare too.
    node = await profile.startNode({}, { ids: createSequentialIdGenerator() })
    owner = await signUp(node.gateway, { tenantName: 'Owner' })
    rival = await signUp(node.gateway, { tenantName: 'Rival' })
    const fillers = fillerDocuments()
    const entries = Object.entries(targets) as [Target, (typeof targets)[Target]][]
    // Targets are interleaved with the fillers so neither creation order nor ids favour them.
    for (let i = 0; i < fillers.length; i++) {
      nameOf.set(await client.create(owner, fillers[i]!), `filler-${i}`)
      const target = entries[i]
      if (target) {
        ids[target[0]] = await client.create(owner, target[1])
        nameOf.set(ids[target[0]], target[0])
      }
    }
  }, 120_000)

  afterAll(() => undefined)

  it('holds at least 200 documents and 20 queries', () => {
    expect(Object.keys(ids).length + fillerDocuments().length).toBeGreaterThanOrEqual(200)
    expect(relevanceCases.length).toBeGreaterThanOrEqual(20)
  })

  it.each(relevanceCases)('$query', async (testCase) => {
    const hits = await all(owner, testCase.query)
    const names = hits.map((h) => (nameOf.get(h.id)?.startsWith('filler-') ? 'filler' : nameOf.get(h.id)))
    if (testCase.exact) expect(names).toEqual(testCase.exact)
    if (testCase.prefix) expect(names.slice(0, testCase.prefix.length)).toEqual(testCase.prefix)
    for (const excluded of testCase.not ?? []) expect(names).not.toContain(excluded)
    const scores = hits.map((h) => h.score!)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    ;(rankings[profile.name] ??= {})[testCase.query] = hits.map((h) => [nameOf.get(h.id)!, h.score!])
  })

  it("another tenant's documents never appear and never change the owner's scores", async () => {
    const before = await Promise.all(relevanceCases.map((c) => all(owner, c.query)))
    const rivalIds = new Set<string>()
    for (const target of Object.values(targets)) {
      const strong = {
        ...target,
        title: `${target.title} ${target.title}`,
        body: `${target.body} ${target.body}`,
      }
      rivalIds.add(await client.create(rival, strong))
    }
    const after = await Promise.all(relevanceCases.map((c) => all(owner, c.query)))
    const view = (hits: Hit[]) => hits.map((h) => [h.id, h.score])
    expect(after.map(view)).toEqual(before.map(view))
    expect(after.flat().filter((h) => rivalIds.has(h.id))).toEqual([])
    const rivalView = await all(rival, 'q=solar panel')
    expect(rivalView.every((h) => rivalIds.has(h.id))).toBe(true)
  })

  it('pages through ranked results without gaps or repeats, by cursor or by offset', async () => {
    const whole = (await all(owner, 'q=quartz')).map((h) => h.id)
    expect(whole.length).toBeGreaterThan(20)
    const paged: string[] = []
    let cursor: string | null = null
    do {
      const page = await client.search(owner, `q=quartz&limit=7${cursor ? `&cursor=${cursor}` : ''}`)
      paged.push(...page.items.map((h) => h.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(paged).toEqual(whole)
    const byOffset = await client.search(owner, 'q=quartz&limit=5&offset=10')
    expect(byOffset.items.map((h) => h.id)).toEqual(whole.slice(10, 15))
  })

  it('lists without q newest first, with filters and cursor pages', async () => {
    const listed: Hit[] = []
    let cursor: string | null = null
    do {
      const page = await client.search(
        owner,
        `collection=beta&tag=red&limit=9${cursor ? `&cursor=${cursor}` : ''}`,
      )
      listed.push(...page.items)
      cursor = page.nextCursor
    } while (cursor)
    const expected = fillerDocuments().filter((d) => d.collection === 'beta' && d.tags!.includes('red'))
    expect(listed).toHaveLength(expected.length)
    expect(
      listed.every((h) => h.collection === 'beta' && h.tags.includes('red') && h.score === undefined),
    ).toBe(true)
    const keys = listed.map((h) => [(h as unknown as { createdAt: string }).createdAt, h.id].join(' '))
    expect([...keys].sort().reverse()).toEqual(keys)
    const north = await client.search(owner, 'metadata.region=north&collection=alpha&limit=200')
    expect(north.items.length).toBe(
      fillerDocuments().filter((d) => d.collection === 'alpha' && d.metadata!.region === 'north').length,
    )
  })

  it('highlights matched words in the title and the best passage of the body, HTML-escaped', async () => {
    const [hit] = await all(owner, 'q=tea biscuits')
    expect(hit!.highlights).toEqual({
      title: '<mark>Tea</mark> &amp; &lt;<mark>biscuits</mark>&gt;',
      body: 'Green <mark>tea</mark> pairs with ginger <mark>biscuits</mark>.',
    })
    const [, geology] = await all(owner, 'q=volcano&collection=targets')
    expect(geology?.highlights?.body).toMatch(/^….*<mark>volcano<\/mark>.*…$/)
    const [running] = await all(owner, 'q=runs')
    expect(running!.highlights!.title).toBe('<mark>Running</mark> shoes review')
  })

  it.each([
    ['"unbalanced', 'unbalanced_quote'],
    ['OR cat', 'dangling_or'],
    ['cat OR', 'dangling_or'],
    ['cat OR OR dog', 'dangling_or'],
    ['cat OR -dog', 'negated_alternative'],
    ['the of and', 'no_terms'],
    ['-cat', 'no_terms'],
    ['***', 'no_terms'],
    [Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '), 'too_many_terms'],
  ])('refuses the query %j with 400 SEARCH_QUERY_INVALID (%s)', async (q, reason) => {
    const response = await client.call(owner, 'GET', `/api/v1/documents?q=${encodeURIComponent(q)}`)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ error: { code: 'SEARCH_QUERY_INVALID', details: { reason } } })
  })

  it('never lets engine syntax through: hostile queries answer 200 or 400, never 500', async () => {
    const hostile = [
      'NEAR(solar panel)',
      'solar* AND panel',
      'tokens:solar',
      '^solar',
      '"solar" + "panel"',
      "solar' | 'panel",
      'solar & !panel',
      'solar <-> panel',
      '(solar OR) panel',
      "'; drop table lib_documents; --",
      'solar\\ panel',
      '\u0000solar',
      'AND OR NOT',
      '- - -',
      '""',
    ]
    for (const q of hostile) {
      const response = await client.call(owner, 'GET', `/api/v1/documents?q=${encodeURIComponent(q)}`)
      expect([200, 400], `${q}: ${response.body}`).toContain(response.statusCode)
      if (response.statusCode === 400)
        expect(response.json()).toMatchObject({ error: { code: 'SEARCH_QUERY_INVALID' } })
    }
  })

  it('refuses bad filters and cursors with stable codes', async () => {
    const codeOf = async (query: string) => {
      const response = await client.call(owner, 'GET', `/api/v1/documents?${query}`)
      return [response.statusCode, response.json<{ error: { code: string } }>().error.code]
    }
    expect(await codeOf('collection=..%2F')).toEqual([400, 'DOCUMENT_COLLECTION_INVALID'])
    expect(await codeOf('tag=%3Cb%3E')).toEqual([400, 'SEARCH_FILTER_INVALID'])
    expect(await codeOf('metadata.bad%20key=1')).toEqual([400, 'SEARCH_FILTER_INVALID'])
    expect(await codeOf('q=solar&cursor=garbage')).toEqual([400, 'INVALID_CURSOR'])
    expect(await codeOf('unknown=1')).toEqual([400, 'VALIDATION_FAILED'])
    expect(await codeOf('offset=5')).toEqual([400, 'SEARCH_FILTER_INVALID'])
    const searchCursor = (await client.search(owner, 'q=quartz&limit=2')).nextCursor!
    expect(await codeOf(`cursor=${searchCursor}`)).toEqual([400, 'INVALID_CURSOR'])
  })
})

describe('Librarian search: both profiles rank alike', () => {
  it('gives the same ids, order and scores on SQLite and PostgreSQL', () => {
    if (!rankings.embedded || !rankings.scaled) return
    expect(rankings.scaled).toEqual(rankings.embedded)
  })
})
