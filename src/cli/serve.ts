import type { PlatformConfig } from '../kernel/config.js'
import { createLogger } from '../kernel/logger.js'
import { createPlatform } from '../platform.js'

/**
 * Serves until SIGTERM or SIGINT, then shuts down gracefully: readiness turns 503, the listener stops accepting,
 * in-flight requests drain, services stop in reverse order, connections close. A second signal, or a drain longer
 * than the configured timeout, exits at once with status 1.
 */
export async function serve(config: PlatformConfig): Promise<number> {
  const logger = createLogger({ level: config.logLevel })
  const platform = await createPlatform(config, { logger })
  const address = await platform.listen()
  logger.info(
    { address, database: config.storage.databaseDriver, keyValue: config.storage.keyValueDriver },
    'listening',
  )

  return await new Promise<number>((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without draining')
        process.exit(1)
      }
      stopping = true
      logger.info({ signal }, 'shutting down')
      const force = setTimeout(() => {
        logger.error({ timeoutMs: config.server.shutdownTimeoutMs }, 'drain took too long: exiting')
        process.exit(1)
      }, config.server.shutdownTimeoutMs)
      force.unref()
      platform.close().then(
        () => {
          clearTimeout(force)
          logger.info('stopped')
          resolve(0)
        },
        (error: unknown) => {
          clearTimeout(force)
          logger.error({ err: error }, 'shutdown failed')
          resolve(1)
        },
      )
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
}
