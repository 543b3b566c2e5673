import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Logger } from './kernel/logger.js'
import type { SqlDatabase } from './ports/sql-database.js'
import type { TaskHandler } from './smart-city/conductor/index.js'

/**
 * Plugins extend a node at start-up: each module named in SYMPHAINY_PLUGINS exports `register(context)`, called
 * once after the services start and before the node listens. A plugin that fails to load or register stops the
 * start, naming the module, rather than leaving a node without handlers others rely on.
 */
export interface PluginContext {
  /** Registers an in-process handler for a Conductor task type on this node. */
  registerTaskHandler(type: string, handler: TaskHandler): void
  /** The platform's database, for handlers that keep their own tables. */
  database: SqlDatabase
  logger: Logger
}

interface PluginModule {
  register?: (context: PluginContext) => unknown
}

export async function loadPlugins(paths: string[], context: PluginContext): Promise<void> {
  for (const path of paths) {
    const url = pathToFileURL(resolve(path)).href
    let module: PluginModule
    try {
      module = (await import(url)) as PluginModule
    } catch (error) {
      throw new Error(`Plugin ${path} could not be loaded`, { cause: error })
    }
    if (typeof module.register !== 'function')
      throw new Error(`Plugin ${path} does not export register(context)`)
    await module.register(context)
    context.logger.info({ plugin: path }, 'plugin registered')
  }
}
