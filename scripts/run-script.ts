import { closeDb } from '../lib/db'
import { describeError } from '../lib/log'
import { StoreLockedError } from '../lib/store-lock'
import { loadEnvFiles } from './env-files.mjs'

/**
 * Runs a terminal command's `main` (its exit code) with the settings the server has: the `.env*`
 * files are loaded first, by Next's own loader, as `npm run dev` loads them (as `npm start` does
 * with NODE_ENV=production; lib/env.ts reads an unset NODE_ENV as development too). Reports an
 * unexpected error in one line that carries no query parameters (lib/log.ts), an embedded store
 * held by a server in plain words and `whenLocked`, and always closes the database (and so
 * releases the embedded store's lock).
 */
export async function runScript(main: () => Promise<number>, whenLocked?: string): Promise<void> {
  const files = loadEnvFiles(process.env.NODE_ENV !== 'production')
  if (files.length > 0) console.log(`Settings from ${files.join(', ')}`)
  try {
    process.exitCode = await main()
  } catch (error) {
    console.error(error instanceof StoreLockedError ? [error.message, whenLocked].filter(Boolean).join('\n') : describeError(error))
    process.exitCode = 1
  } finally {
    await closeDb()
  }
}
