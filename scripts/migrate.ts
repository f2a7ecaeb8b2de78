// `npm run db:migrate`: applies drizzle/ to DATABASE_URL, or creates and migrates the embedded
// store (refused with a clear message while a server owns it).
import { describeError } from '../lib/platform/log'
import { closeDb, migrateDatabase } from '../lib/platform/db'

try {
  await migrateDatabase()
  console.log('Database is up to date.')
} catch (error) {
  console.error(`Migration failed: ${describeError(error)}`)
  process.exitCode = 1
} finally {
  await closeDb()
}
