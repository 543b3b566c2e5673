import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { PostOffice } from './index.js'
import { agentRoutes } from './routes/agent-routes.js'
import { deadLetterRoutes } from './routes/dead-letter-routes.js'
import { eventRoutes } from './routes/event-routes.js'
import { messageRoutes } from './routes/message-routes.js'

/** The Post Office's HTTP routes. */
export function postOfficeRoutes(postOffice: PostOffice): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(messageRoutes(postOffice.mailboxes))
    await app.register(deadLetterRoutes(postOffice.mailboxes))
    await app.register(eventRoutes(postOffice.events, postOffice.subscriptions))
    await app.register(agentRoutes(postOffice.agents))
  }
}
