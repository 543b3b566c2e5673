import { loadConfig } from '../../src/kernel/config.js'
import { createPlatform, type Platform, type PlatformOptions } from '../../src/platform.js'

/**
 * An embedded in-memory platform (SQLite in memory, memory files, in-process key-value), as a user would build one,
 * with a cheaper password hash (log2 N = 12) so suites that sign up many users stay fast.
 */
export async function createTestPlatform(
  env: Record<string, string> = {},
  options: PlatformOptions = {},
): Promise<Platform> {
  const config = loadConfig({
    env: {
      SYMPHAINY_DATABASE_URL: 'sqlite::memory:',
      SYMPHAINY_FILES_URL: 'memory:',
      LOG_LEVEL: 'silent',
      SYMPHAINY_SCRYPT_LOG_N: '12',
      ...env,
    },
  })
  return createPlatform(config, options)
}
