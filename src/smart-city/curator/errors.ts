import { defineErrors } from '../../kernel/error-catalogue.js'

export const curatorErrors = defineErrors('curator', {
  SERVICE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No service named {name} is registered.',
    description: 'The name is not in the registry; `GET /api/v1/services` lists the registered ones.',
  },
  SERVICE_ALREADY_REGISTERED: {
    kind: 'conflict',
    message: 'A service named {name} is already registered.',
    description: 'Service names are unique within a node; a second registration under one name is refused.',
  },
})
