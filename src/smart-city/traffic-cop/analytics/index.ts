export { trafficAnalyticsMigration } from './migration.js'
export { recordResponse } from './record-responses.js'
export { trafficAnalyticsRoutes } from './routes.js'
export { createTrafficAnalytics, type TrafficAnalytics } from './traffic-analytics.js'
