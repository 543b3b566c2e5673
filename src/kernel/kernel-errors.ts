import { defineErrors } from './error-catalogue.js'

export const kernelErrors = defineErrors('kernel', {
  INTERNAL_ERROR: {
    kind: 'internal',
    message: 'An unexpected error occurred.',
    description: 'A fault inside the platform; the response carries a requestId to find the logged cause.',
  },
  CONFIG_INVALID: {
    kind: 'invalid',
    message: 'Configuration is invalid: {summary}',
    description:
      'Start-up refused a setting; details.problems lists each variable, its value and how to fix it.',
  },
  PRINCIPAL_MISSING: {
    kind: 'unauthorized',
    message: 'Authentication is required.',
    description: 'A handler that needs a caller ran without one; this is a platform fault reported as 401.',
  },
  SHUTTING_DOWN: {
    kind: 'unavailable',
    message: 'The platform is shutting down.',
    description: 'The node is draining; retry against another node or after restart.',
    retryable: true,
  },
})
