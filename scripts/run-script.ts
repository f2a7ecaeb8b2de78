import { closeDb } from '../lib/platform/db'
import { describeError } from '../lib/platform/log'

/**
 * Runs a terminal command's `main` (its exit code), reports an unexpected error in one line that
 * carries no query parameters (lib/platform/log.ts), and always closes the database (and so releases the
 * embedded store's lock).
 */
export async function runScript(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main()
  } catch (error) {
    console.error(describeError(error))
    process.exitCode = 1
  } finally {
    await closeDb()
  }
}
