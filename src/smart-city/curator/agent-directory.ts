/** A tenant's registered agents as the Curator lists them; the Post Office provides the directory. */
export interface AgentListing {
  id: string
  name: string
  capabilities: string[]
  mailbox: string
  createdAt: number
}

export interface AgentDirectory {
  list(tenantId: string, capability?: string): Promise<AgentListing[]>
}
