// The `.env*` files, read by Next's own loader (@next/env) in the order Next reads them, for the
// commands Next does not start itself: `npm start`'s own settings and the terminal commands. Never
// a second parser: a value means the same to the server and to `npm run db:migrate`.
import nextEnv from '@next/env'

/**
 * Loads `.env.<mode>.local`, `.env.local` (not when NODE_ENV=test), `.env.<mode>` and `.env` from
 * the working folder into process.env, where the mode is `development` as for `next dev`, or
 * `production` as for `next start` (`test` with NODE_ENV=test, as Next). A variable already set
 * wins over every file. Returns the names of the files it read.
 */
export function loadEnvFiles(dev) {
  return nextEnv.loadEnvConfig(process.cwd(), dev).loadedEnvFiles.map((file) => file.path)
}
