import type { ErrorSpec } from './kernel/error-catalogue.js'
import { kernelErrors } from './kernel/kernel-errors.js'
import { paginationErrors } from './kernel/pagination.js'
import { securityErrors } from './smart-city/security-guard/errors.js'
import { sessionErrors } from './smart-city/traffic-cop/sessions/errors.js'
import { promotionErrors } from './smart-city/traffic-cop/promotion/errors.js'
import { rateLimitErrors } from './smart-city/traffic-cop/rate-limits/errors.js'
import { statusByKind } from './kernel/errors.js'
import { storageErrors } from './ports/errors.js'
import { gatewayErrors } from './gateway/errors.js'
import { cityManagerErrors } from './smart-city/city-manager/errors.js'
import { curatorErrors } from './smart-city/curator/errors.js'
import { conductorErrors } from './smart-city/conductor/errors.js'
import { loadBalancingErrors } from './smart-city/traffic-cop/load-balancing/errors.js'
import { postOfficeErrors } from './smart-city/post-office/errors.js'
import { dataStewardErrors } from './smart-city/data-steward/errors.js'
import { fileErrors } from './smart-city/data-steward/files/errors.js'
import { contentErrors } from './realms/business-enablement/content/errors.js'
import { librarianErrors } from './smart-city/librarian/errors.js'

/** Every error catalogue of the platform; docs/errors.md is rendered from this list and a test keeps them equal. */
export const allErrorCatalogues: { service: string; specs: Readonly<Record<string, ErrorSpec>> }[] = [
  kernelErrors,
  paginationErrors,
  storageErrors,
  gatewayErrors,
  securityErrors,
  sessionErrors,
  promotionErrors,
  rateLimitErrors,
  curatorErrors,
  cityManagerErrors,
  loadBalancingErrors,
  conductorErrors,
  postOfficeErrors,
  dataStewardErrors,
  fileErrors,
  contentErrors,
  librarianErrors,
]

export function renderErrorsMarkdown(): string {
  const lines = [
    '# Error codes',
    '',
    'Generated from the catalogues in `src/**/errors.ts` by `npm run docs:errors`; a test fails when this file and',
    'the code disagree. Every error body is `{"error":{"code","message","details","requestId"}}`; the status comes',
    'from the kind: ' +
      Object.entries(statusByKind)
        .map(([kind, status]) => `${kind} ${status}`)
        .join(', ') +
      '.',
  ]
  for (const catalogue of allErrorCatalogues) {
    lines.push('', `## ${catalogue.service}`, '', '| Code | Status | Retryable | When |', '|---|---|---|---|')
    for (const [code, spec] of Object.entries(catalogue.specs)) {
      const retryable = spec.retryable ? 'yes' : 'no'
      lines.push(
        `| \`${code}\` | ${statusByKind[spec.kind]} ${spec.kind} | ${retryable} | ${spec.description.replace(/\|/g, '\\|')} |`,
      )
    }
  }
  return `${lines.join('\n')}\n`
}
