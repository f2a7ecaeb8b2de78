// `npm run db:migrate`: applies drizzle/ to DATABASE_URL, or creates and migrates the embedded
// store (refused with a clear message while a server owns it).
import { closeDb, migrateDatabase } from '../lib/db'

try {
  await migrateDatabase()
  console.log('Database is up to date.')
} catch (error) {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  await closeDb()
}
