import { defineErrors } from '../../kernel/error-catalogue.js'

export const cityManagerErrors = defineErrors('city-manager', {
  CITY_UNKNOWN_DEPENDENCY: {
    kind: 'internal',
    message: 'Service {name} depends on {dependency}, which is not part of the platform.',
    description:
      'A service declares a dependency that was not composed into the platform; fix the composition root.',
  },
  CITY_DEPENDENCY_CYCLE: {
    kind: 'internal',
    message: 'Services depend on each other in a cycle: {cycle}.',
    description: 'Declared dependencies form a loop, so no start order exists; break the cycle.',
  },
  CITY_START_FAILED: {
    kind: 'unavailable',
    message: 'Service {name} failed to start.',
    description:
      'A service could not start; the services started before it were stopped again in reverse order.',
    retryable: true,
  },
})
