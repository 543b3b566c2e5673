export { type StatePromotion, createStatePromotion } from './promotion.js'
export { promotionMigration } from './tables.js'
export { promotionRoutes } from './routes.js'
export { promotionErrors } from './errors.js'
