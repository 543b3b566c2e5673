import { loadConfig } from '../../src/kernel/config.js'
import { createPlatform, type Platform, type PlatformOptions } from '../../src/platform.js'

/** An embedded in-memory platform (SQLite in memory, memory files, in-process key-value), as a user would build one. */
export async function createTestPlatform(
  env: Record<string, string> = {},
  options: PlatformOptions = {},
): Promise<Platform> {
  const config = loadConfig({
    env: {
      SYMPHAINY_DATABASE_URL: 'sqlite::memory:',
      SYMPHAINY_FILES_URL: 'memory:',
      LOG_LEVEL: 'silent',
      ...env,
    },
  })
  return createPlatform(config, options)
}
