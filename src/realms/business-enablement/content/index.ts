export { createContentPillar, defaultAnswerTextChars } from './content-pillar.js'
export type {
  ContentPillar,
  ContentPillarDeps,
  ParseRequest,
  ParseResult,
  ParsedDataset,
  TextIndexer,
} from './content-pillar.js'
export { contentRoutes } from './routes.js'
export { contentErrors } from './errors.js'
