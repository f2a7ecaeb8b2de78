import { pingDatabase } from './db'
import { findProductionProblems } from './env'

/** Refuses unsafe production settings (one line each), then opens the database in the background. */
export function startServer(): void {
  const problems = findProductionProblems()
  if (problems.length > 0) {
    for (const problem of problems) console.error(`passgate cannot start: ${problem}`)
    process.exit(1)
  }
  // Open (for the embedded store: create and migrate) the database now rather than on the first
  // request; /api/health answers 200 once it is ready.
  void pingDatabase()
}
