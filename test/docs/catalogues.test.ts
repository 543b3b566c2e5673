import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { format } from 'prettier'
import { allErrorCatalogues, renderErrorsMarkdown } from '../../src/error-catalogues.js'
import { configVariables } from '../../src/kernel/config.js'

const root = new URL('../../', import.meta.url)

describe('documentation kept in sync with the code', () => {
  it('docs/errors.md lists exactly the codes of every catalogue (run `npm run docs:errors` to fix)', async () => {
    const onDisk = readFileSync(new URL('docs/errors.md', root), 'utf8')
    const expected = await format(renderErrorsMarkdown(), { parser: 'markdown', ...prettierOptions() })
    expect(onDisk).toBe(expected)
  })

  it('no error code is declared by two services', () => {
    const codes = allErrorCatalogues.flatMap((c) => Object.keys(c.specs))
    expect(codes.filter((code, i) => codes.indexOf(code) !== i)).toEqual([])
  })

  it('the README configuration table names every variable with its default', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    for (const variable of configVariables) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${variable.name}\``))
      expect(row, `README row for ${variable.name}`).toBeDefined()
      if (variable.default) expect(row).toContain(`\`${variable.default}\``)
    }
  })
})

function prettierOptions(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('.prettierrc.json', root), 'utf8')) as Record<string, unknown>
}
