/** Layer rules from shared/DESIGN.md §3: arrows point down only, no cycles. */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'services-never-import-adapters',
      comment: 'Realms, smart-city services, use cases and the gateway see ports only.',
      severity: 'error',
      from: { path: '^src/(realms|smart-city|use-cases|gateway|kernel|ports)/' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'realms-notify-through-post-office',
      comment:
        'Realms and use cases send notifications through the Post Office (`notify`, events), never through pub/sub.',
      severity: 'error',
      from: { path: '^src/(realms|use-cases)/' },
      to: { path: '^src/(ports/pub-sub\\.ts|adapters/[^/]+/pub-sub\\.ts)$' },
    },
    {
      name: 'kernel-depends-on-nothing',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^src/(?!kernel/)' },
    },
    {
      name: 'ports-depend-on-kernel-only',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: '^src/(?!kernel/|ports/)' },
    },
    {
      name: 'adapters-implement-ports',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(realms|smart-city|use-cases|gateway|cli)/' },
    },
    {
      name: 'smart-city-below-realms',
      severity: 'error',
      from: { path: '^src/smart-city/' },
      to: { path: '^src/(realms|use-cases|gateway|cli)/' },
    },
    {
      name: 'realms-below-gateway',
      severity: 'error',
      from: { path: '^src/(realms|use-cases)/' },
      to: { path: '^src/(gateway|cli)/' },
    },
    {
      name: 'only-cli-and-platform-use-the-composition-root',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli/|platform\\.ts$|[^/]+\\.test\\.ts$)' },
      to: { path: '^src/platform\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
    },
  },
}
