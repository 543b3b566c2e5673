import { expect, it } from 'vitest'

/** Tests an adapter cannot pass, each group with the written reason why. */
export interface ContractSkip {
  reason: string
  tests: string[]
}

/**
 * Declares the tests of a contract suite; an adapter's skip list turns named tests into `it.skip` with the reason in
 * the title. `checkSkips()`, called last, adds a test that fails when the list names a test the contract lacks (a
 * renamed test must not silently stop being skipped or run).
 */
export function createContractTests(skip: ContractSkip[] = []): {
  test: (title: string, body: () => Promise<void>) => void
  checkSkips: () => void
} {
  const reasons = new Map<string, string>()
  for (const entry of skip) {
    if (entry.reason.trim() === '') {
      throw new Error(`Skipping ${entry.tests.join(', ')} needs a written reason`)
    }
    for (const title of entry.tests) reasons.set(title, entry.reason)
  }
  const declared = new Set<string>()
  return {
    test(title, body) {
      if (declared.has(title)) throw new Error(`Contract test "${title}" is declared twice`)
      declared.add(title)
      const reason = reasons.get(title)
      if (reason === undefined) it(title, body)
      else it.skip(`${title} (skipped: ${reason})`, body)
    },
    checkSkips() {
      it('skip list names only tests of this contract', () => {
        expect([...reasons.keys()].filter((title) => !declared.has(title))).toEqual([])
      })
    },
  }
}

export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
