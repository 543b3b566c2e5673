import { defineErrors } from '../../../kernel/error-catalogue.js'

export const loadBalancingErrors = defineErrors('traffic-cop-load-balancing', {
  EXTERNAL_SERVICE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No external service named {name} exists.',
    description:
      'The tenant has no instance or configuration under this service name; register an instance first.',
  },
  INSTANCE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No instance {id} is registered for service {name}.',
    description: 'The instance id is unknown to this tenant and service, or its heartbeat lapsed.',
  },
  SERVICE_NAME_RESERVED: {
    kind: 'conflict',
    message: 'The name {name} belongs to a platform service.',
    description: 'External services may not reuse the name of a platform service; choose another name.',
  },
  UPSTREAM_URL_INVALID: {
    kind: 'invalid',
    message: 'The instance URL {url} is not usable: {reason}.',
    description:
      'Instance and health URLs must be absolute http(s) URLs without credentials or a fragment, with a resolvable host.',
  },
  UPSTREAM_ADDRESS_FORBIDDEN: {
    kind: 'invalid',
    message: 'The host {host} resolves to a forbidden address.',
    description:
      'Loopback, private, link-local and metadata addresses are refused unless SYMPHAINY_PROXY_ALLOW_PRIVATE_NETWORKS is true.',
  },
  NO_INSTANCE_AVAILABLE: {
    kind: 'unavailable',
    message: 'No healthy instance of {name} is available.',
    description:
      'Every instance is ejected, has an open circuit or a lapsed heartbeat, or none is registered; retry later.',
    retryable: true,
  },
  UPSTREAM_TIMEOUT: {
    kind: 'unavailable',
    message: 'The instance of {name} did not answer within {timeoutMs} ms.',
    description: 'The upstream did not connect or respond within SYMPHAINY_PROXY_TIMEOUT_MS; retry later.',
    retryable: true,
  },
  UPSTREAM_UNREACHABLE: {
    kind: 'unavailable',
    message: 'The instance of {name} could not be reached.',
    description:
      'Connecting to the upstream failed or it closed the connection before answering; retry later.',
    retryable: true,
  },
})
