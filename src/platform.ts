import type { DatabaseDriver, FilesDriver, KeyValueDriver, PlatformConfig } from './kernel/config.js'
import { type Clock, createSystemClock } from './kernel/clock.js'
import { createRandomIdGenerator, type IdGenerator } from './kernel/ids.js'
import type { PlatformService } from './kernel/lifecycle.js'
import { createLogger, type Logger } from './kernel/logger.js'
import { platformVersion } from './kernel/version.js'
import type { FileStore } from './ports/file-store.js'
import type { KeyValueStore } from './ports/key-value-store.js'
import type { PubSub } from './ports/pub-sub.js'
import type { MigrationReport, SqlDatabase, SqlMigration } from './ports/sql-database.js'
import { createCityManagerService } from './smart-city/city-manager/index.js'
import { createCuratorService } from './smart-city/curator/index.js'
import { createHttpMetrics, createNurseService } from './smart-city/nurse/index.js'
import { createSecurityGuardService, securityGuardMigrations } from './smart-city/security-guard/index.js'
import { conductorMigrations, createConductorService } from './smart-city/conductor/index.js'
import { createTrafficCopService, trafficCopMigrations } from './smart-city/traffic-cop/index.js'
import { createPostOfficeService, postOfficeMigrations } from './smart-city/post-office/index.js'
import { createDataStewardService, dataStewardMigrations } from './smart-city/data-steward/index.js'
import { createLibrarianService, librarianMigrations } from './smart-city/librarian/index.js'
import { createContentPillar } from './realms/business-enablement/content/index.js'
import { buildGateway, type Gateway } from './gateway/build-gateway.js'
import { loadPlugins } from './plugins.js'
import type { GatewayPlatform } from './gateway/gateway-platform.js'

/**
 * The one composition root, used by the server, the CLI and the tests: it opens infrastructure (drivers picked by
 * URL, loaded lazily), runs migrations, builds services with explicit dependencies, starts them through the City
 * Manager and builds the gateway. `close()` drains and closes everything in reverse and may be called repeatedly.
 */
export interface Infrastructure {
  database: SqlDatabase
  keyValue: KeyValueStore
  pubSub: PubSub
  files: FileStore
}

export interface Platform extends GatewayPlatform {
  clock: Clock
  infra: Infrastructure
  gateway: Gateway
  /** Starts listening on the configured host and port; answers the address, e.g. `http://127.0.0.1:8080`. */
  listen(): Promise<string>
  close(): Promise<void>
}

export interface PlatformOptions {
  clock?: Clock
  ids?: IdGenerator
  logger?: Logger
}

type Factory<T> = (config: PlatformConfig, clock: Clock, logger: Logger) => Promise<T>

const databaseDrivers = {
  sqlite: async (config) =>
    (await import('./adapters/sqlite/sql-database.js')).createSqliteDatabase({
      url: config.storage.databaseUrl,
    }),
  postgres: async (config) =>
    (await import('./adapters/postgres/sql-database.js')).createPostgresDatabase({
      url: config.storage.databaseUrl,
    }),
} satisfies Record<DatabaseDriver, Factory<SqlDatabase>>

const keyValueDrivers = {
  memory: async (_config, clock) =>
    (await import('./adapters/memory/key-value-store.js')).createMemoryKeyValueStore({ clock }),
  redis: async (config) =>
    (await import('./adapters/redis/key-value-store.js')).createRedisKeyValueStore({
      url: config.storage.redisUrl!,
      keyPrefix: config.storage.redisPrefix,
    }),
} satisfies Record<KeyValueDriver, Factory<KeyValueStore>>

const pubSubDrivers = {
  memory: async (_config, _clock, logger) =>
    (await import('./adapters/memory/pub-sub.js')).createMemoryPubSub({
      onHandlerError: logHandlerError(logger),
    }),
  redis: async (config, _clock, logger) =>
    (await import('./adapters/redis/pub-sub.js')).createRedisPubSub({
      url: config.storage.redisUrl!,
      channelPrefix: config.storage.redisPrefix,
      onHandlerError: logHandlerError(logger),
    }),
} satisfies Record<KeyValueDriver, Factory<PubSub>>

const fileDrivers = {
  fs: async (config) =>
    (await import('./adapters/fs/file-store.js')).createLocalFileStore({ url: config.storage.filesUrl }),
  memory: async () => (await import('./adapters/memory/file-store.js')).createMemoryFileStore(),
} satisfies Record<FilesDriver, Factory<FileStore>>

function logHandlerError(logger: Logger) {
  return (error: unknown, channel: string) => logger.error({ err: error, channel }, 'pub/sub handler failed')
}

/** Every service's migrations, in the order their names sort. Services append theirs here. */
export const platformMigrations: SqlMigration[] = [
  ...securityGuardMigrations,
  ...trafficCopMigrations,
  ...conductorMigrations,
  ...postOfficeMigrations,
  ...dataStewardMigrations,
  ...librarianMigrations,
]

async function openInfrastructure(
  config: PlatformConfig,
  clock: Clock,
  logger: Logger,
): Promise<Infrastructure> {
  const opened: { close(): Promise<void> }[] = []
  const open = async <T extends { close(): Promise<void> }>(factory: Factory<T>): Promise<T> => {
    const resource = await factory(config, clock, logger)
    opened.push(resource)
    return resource
  }
  try {
    const { storage } = config
    return {
      database: await open(databaseDrivers[storage.databaseDriver]),
      keyValue: await open(keyValueDrivers[storage.keyValueDriver]),
      pubSub: await open(pubSubDrivers[storage.keyValueDriver]),
      files: await open(fileDrivers[storage.filesDriver]),
    }
  } catch (error) {
    await Promise.allSettled(opened.reverse().map((r) => r.close()))
    throw error
  }
}

async function closeInfrastructure(infra: Infrastructure): Promise<void> {
  await Promise.allSettled([infra.files.close(), infra.pubSub.close(), infra.keyValue.close()])
  await infra.database.close()
}

/** Applies pending migrations and closes the connection: `symphainy migrate`. */
export async function migratePlatformDatabase(config: PlatformConfig): Promise<MigrationReport> {
  const database = await databaseDrivers[config.storage.databaseDriver](config)
  try {
    return await database.migrate(platformMigrations)
  } finally {
    await database.close()
  }
}

export async function createPlatform(
  config: PlatformConfig,
  options: PlatformOptions = {},
): Promise<Platform> {
  const clock = options.clock ?? createSystemClock()
  const ids = options.ids ?? createRandomIdGenerator()
  const logger = options.logger ?? createLogger({ level: config.logLevel })
  const infra = await openInfrastructure(config, clock, logger)
  let draining = false
  try {
    if (config.storage.autoMigrate) await infra.database.migrate(platformMigrations)

    const curatorPart = createCuratorService({ clock })
    const { curator } = curatorPart
    const nursePart = createNurseService({
      curator,
      metrics: createHttpMetrics(),
      readyThresholdPercent: config.nurse.readyThresholdPercent,
      nodeState: () => (draining ? 'stopping' : cityManagerPart.cityManager.state),
      probes: {
        database: () => infra.database.ping(),
        keyValue: () => infra.keyValue.ping(),
        pubSub: () => infra.pubSub.ping(),
        files: () => infra.files.ping(),
      },
    })
    const securityPart = createSecurityGuardService({
      database: infra.database,
      keyValue: infra.keyValue,
      pubSub: infra.pubSub,
      clock,
      ids,
      logger,
      settings: config.security,
    })
    const trafficPart = createTrafficCopService({
      database: infra.database,
      keyValue: infra.keyValue,
      pubSub: infra.pubSub,
      files: infra.files,
      clock,
      ids,
      logger,
      config,
      curator,
    })
    const postOfficePart = createPostOfficeService({
      database: infra.database,
      pubSub: infra.pubSub,
      clock,
      ids,
      logger,
      settings: config.postOffice,
      curator,
    })
    const conductorPart = createConductorService({
      database: infra.database,
      pubSub: infra.pubSub,
      clock,
      ids,
      logger,
      settings: config.conductor,
      events: postOfficePart.postOffice.events,
    })
    postOfficePart.postOffice.setWorkflowStarter(async (start) => {
      const { row } = await conductorPart.conductor.executions.start(
        { tenantId: start.tenantId, userId: 'service:post-office' },
        start.workflow,
        {
          input: start.input,
          idempotencyKey: start.idempotencyKey,
          ...(start.version === undefined ? {} : { version: start.version }),
        },
      )
      return { id: row.id }
    })
    const dataStewardPart = createDataStewardService({
      database: infra.database,
      files: infra.files,
      clock,
      ids,
      logger,
      pubSub: infra.pubSub,
      settings: config.files,
    })
    const librarianPart = createLibrarianService({
      database: infra.database,
      clock,
      ids,
      settings: config.librarian,
    })
    const contentPart = createContentPillar({
      dataSteward: dataStewardPart.dataSteward,
      logger,
      settings: { csvParts: { threads: config.content.parseThreads } },
      // A parsed text longer than a Librarian document may be is indexed by its beginning.
      indexText: async (context, document) => {
        const body = clipUtf8(document.body, config.librarian.maxBodyBytes)
        await librarianPart.librarian.documents.create(context, { ...document, body })
      },
    })
    const managed: PlatformService[] = [
      curatorPart.service,
      securityPart.service,
      trafficPart.service,
      conductorPart.service,
      postOfficePart.service,
      dataStewardPart.service,
      librarianPart.service,
      nursePart.service,
    ]
    const cityManagerPart = createCityManagerService({ clock, logger, curator, services: managed })
    const { cityManager } = cityManagerPart
    await cityManager.startAll()
    curator.register(cityManagerPart.service)

    const core: GatewayPlatform = {
      config,
      logger,
      ids,
      version: platformVersion,
      services: {
        curator,
        nurse: nursePart.nurse,
        cityManager,
        securityGuard: securityPart.securityGuard,
        trafficCop: trafficPart.trafficCop,
        conductor: conductorPart.conductor,
        postOffice: postOfficePart.postOffice,
        dataSteward: dataStewardPart.dataSteward,
        librarian: librarianPart.librarian,
        content: contentPart.content,
      },
    }
    await loadPlugins(config.plugins, {
      registerTaskHandler: conductorPart.conductor.registerHandler,
      database: infra.database,
      logger,
    })
    const gateway = await buildGateway(core)
    await gateway.ready()

    let closing: Promise<void> | undefined
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        draining = true
        try {
          await gateway.close()
          await cityManager.stopAll()
        } finally {
          // Worker threads left running would keep the process alive; a failure to end them changes nothing else.
          await contentPart.close().catch(() => undefined)
          await closeInfrastructure(infra)
        }
      })())

    return {
      ...core,
      clock,
      infra,
      gateway,
      listen: () => gateway.listen({ host: config.server.host, port: config.server.port }),
      close,
    }
  } catch (error) {
    await closeInfrastructure(infra).catch(() => undefined)
    throw error
  }
}

function clipUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  return Buffer.from(text)
    .subarray(0, maxBytes)
    .toString()
    .replace(/\uFFFD$/, '')
}
