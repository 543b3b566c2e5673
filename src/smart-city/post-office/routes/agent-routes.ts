import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { AgentRecord, Agents } from '../agents.js'
import { MailboxName, PageQuery, Timestamp, iso, pageOf, senderOf, tags } from './schemas.js'

const Name = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' })
const Capability = Type.String({ pattern: '^[a-z][a-z0-9_.:-]{0,63}$' })
const AgentView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  capabilities: Type.Array(Type.String()),
  mailbox: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
})
const agentView = (a: AgentRecord) => ({ ...a, createdAt: iso(a.createdAt) })

export function agentRoutes(agents: Agents): FastifyPluginAsyncTypebox {
  return (app) => {
    app.post(
      '/api/v1/agents',
      {
        config: { security: { permission: 'agent:create' } },
        schema: {
          tags,
          summary:
            'Register an agent: a unique name in the tenant, its capabilities and the mailbox it reads',
          body: Type.Object(
            { name: Name, capabilities: Type.Array(Capability, { maxItems: 50 }), mailbox: MailboxName },
            { additionalProperties: false },
          ),
          response: { 201: AgentView, 400: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        const agent = await agents.register(principal.tenantId, senderOf(principal), request.body)
        return reply.code(201).send(agentView(agent))
      },
    )
    app.get(
      '/api/v1/agents',
      {
        config: { security: { permission: 'agent:read' } },
        schema: {
          tags,
          summary: "The tenant's registered agents",
          querystring: PageQuery,
          response: { 200: pageOf(AgentView) },
        },
      },
      async (request) => {
        const page = await agents.list(principalOf(request).tenantId, request.query)
        return { items: page.items.map(agentView), nextCursor: page.nextCursor }
      },
    )
    return Promise.resolve()
  }
}
