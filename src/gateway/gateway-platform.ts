import type { PlatformConfig } from '../kernel/config.js'
import type { IdGenerator } from '../kernel/ids.js'
import type { Logger } from '../kernel/logger.js'
import type { Conductor } from '../smart-city/conductor/index.js'
import type { CityManager } from '../smart-city/city-manager/index.js'
import type { Curator } from '../smart-city/curator/index.js'
import type { Nurse } from '../smart-city/nurse/index.js'
import type { SecurityGuard } from '../smart-city/security-guard/index.js'
import type { TrafficCop } from '../smart-city/traffic-cop/index.js'
import type { PostOffice } from '../smart-city/post-office/index.js'
import type { DataSteward } from '../smart-city/data-steward/index.js'
import type { Librarian } from '../smart-city/librarian/index.js'
import type { ContentPillar } from '../realms/business-enablement/content/index.js'

/** What the gateway needs from the platform; `createPlatform` returns a superset of it. */
export interface GatewayPlatform {
  config: PlatformConfig
  logger: Logger
  ids: IdGenerator
  version: string
  services: {
    curator: Curator
    nurse: Nurse
    cityManager: CityManager
    securityGuard: SecurityGuard
    trafficCop: TrafficCop
    conductor: Conductor
    postOffice: PostOffice
    dataSteward: DataSteward
    librarian: Librarian
    content: ContentPillar
  }
}
