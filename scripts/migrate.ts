// `npm run db:migrate`: applies drizzle/ to DATABASE_URL (DATABASE_URL_UNPOOLED when set), or
// creates and migrates the embedded store (refused with a clear message while a server owns it),
// and says which database it works on and what it did.
import { describeDatabase, migrateDatabase } from '../lib/platform/db'
import { runScript } from './run-script'

async function main(): Promise<number> {
  console.log(`Working on ${await describeDatabase(true)}.`)
  const applied = await migrateDatabase()
  console.log(applied === 0 ? 'Already up to date: no migration to apply.' : `Applied ${applied} migration${applied === 1 ? '' : 's'}.`)
  return 0
}

await runScript(main, 'The server that holds it applied the migrations it knows as it opened the store: restart it to apply newer ones.')
