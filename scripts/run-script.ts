import { closeDb } from '../lib/db'
import { describeError } from '../lib/log'

/**
 * Runs a terminal command's `main` (its exit code), reports an unexpected error in one line that
 * carries no query parameters (lib/log.ts), and always closes the database (and so releases the
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
