import { SCHEMA_BEHIND, checkDatabase, getDb } from '../platform/db'
import { findProductionProblems } from '../platform/env'
import { prepareDummyHash } from '../credentials/password'
import { stampPeerAddresses } from './peer-address'
import { StoreLockedError } from '../platform/store-lock'
import { describeError } from '../platform/log'

/**
 * Refuses invalid configuration and unsafe production settings (one line each), then opens the
 * database in the background.
 */
export function startServer(): void {
  let problems: string[]
  try {
    problems = findProductionProblems()
  } catch (error) {
    problems = [(error as Error).message] // Invalid configuration: which variables, never their values
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(`passgate cannot start: ${problem}`)
    process.exit(1)
  }
  // Open (for the embedded store: create and migrate) the database now rather than on the first
  // request; /api/health answers 200 once it is ready. A second server on the same embedded
  // store stops here, naming the process that owns it; a PostgreSQL database without this
  // version's migrations is reported in one line.
  stampPeerAddresses()
  prepareDummyHash().catch((error: unknown) => console.error(`hash workers unavailable: ${describeError(error)}`))
  getDb().then(
    async () => {
      if ((await checkDatabase()) === 'behind') console.error(`passgate: ${SCHEMA_BEHIND} Until then requests that need the new tables answer 503.`)
    },
    (error: unknown) => {
      if (!(error instanceof StoreLockedError)) return // reported by /api/health and each request
      console.error(`passgate cannot start: ${error.message}`)
      process.exit(1)
    },
  )
}
