export { createFileLibrary, storageKeyOf, copybookMaxBytes } from './file-library.js'
export type {
  FileLibrary,
  FileLibraryDeps,
  FileRecord,
  FileRole,
  Upload,
  UploadPart,
} from './file-library.js'
export { fileRoutes } from './routes.js'
export { fileErrors } from './errors.js'
export { filesMigration } from './tables.js'
export { progressEventType } from './upload-progress.js'
