import type { Kysely } from 'kysely'
import type { PageRequest } from '../../kernel/pagination.js'
import { pageByCreation } from '../../ports/sql-pagination.js'
import type { AgentDirectory } from '../curator/agent-directory.js'
import type { PostOfficeDeps } from './deps.js'
import { postOfficeErrors } from './errors.js'
import type { PostOfficeTables } from './tables.js'
import { checkMailboxName } from './topics.js'

/** Agents: named workers of a tenant with capabilities and the mailbox they read; the Curator lists them too. */
export interface AgentRecord {
  id: string
  name: string
  capabilities: string[]
  mailbox: string
  createdBy: string
  createdAt: number
}

const maxListed = 1000

function toAgent(row: PostOfficeTables['po_agents']): AgentRecord {
  return {
    id: row.id,
    name: row.name,
    capabilities: JSON.parse(row.capabilities) as string[],
    mailbox: row.mailbox,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  }
}

export function createAgents(deps: PostOfficeDeps) {
  const db = deps.database.db as Kysely<PostOfficeTables>

  return {
    async register(
      tenantId: string,
      createdBy: string,
      input: { name: string; capabilities: string[]; mailbox: string },
    ): Promise<AgentRecord> {
      const agent: AgentRecord = {
        id: deps.ids.next('agt'),
        name: input.name,
        capabilities: [...new Set(input.capabilities)],
        mailbox: checkMailboxName(input.mailbox),
        createdBy,
        createdAt: deps.clock.now(),
      }
      try {
        await db
          .insertInto('po_agents')
          .values({
            id: agent.id,
            tenant_id: tenantId,
            name: agent.name,
            capabilities: JSON.stringify(agent.capabilities),
            mailbox: agent.mailbox,
            created_by: createdBy,
            created_at: agent.createdAt,
          })
          .execute()
      } catch (error) {
        if (deps.database.classifyError(error) === 'unique_violation')
          throw postOfficeErrors.AGENT_NAME_TAKEN({ name: agent.name })
        throw error
      }
      return agent
    },

    list(tenantId: string, page: PageRequest) {
      return pageByCreation(
        db.selectFrom('po_agents').selectAll().where('tenant_id', '=', tenantId),
        page,
        toAgent,
      )
    },

    directory: {
      async list(tenantId: string, capability?: string): Promise<AgentRecord[]> {
        const rows = await db
          .selectFrom('po_agents')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .orderBy('created_at')
          .orderBy('id')
          .limit(maxListed)
          .execute()
        return rows.map(toAgent).filter((a) => !capability || a.capabilities.includes(capability))
      },
    } satisfies AgentDirectory,
  }
}

export type Agents = ReturnType<typeof createAgents>
