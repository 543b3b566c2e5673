// Regenerates docs/errors.md from the compiled catalogues (run through `npm run docs:errors`).
import { writeFileSync } from 'node:fs'
import { renderErrorsMarkdown } from '../dist/error-catalogues.js'

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsMarkdown())
