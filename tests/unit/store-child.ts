// A second process for the embedded-store tests: `hold DIR` takes the lock and waits;
// `create USERNAME` opens the store in DATA_DIR, creates a user and waits to be killed;
// `check USERNAME PASSWORD` opens it again and prints whether that login works;
// `race DIR` prints `loaded`, waits for a line on stdin (so racers start together), then tries the
// lock and prints `won` (and holds it) or `refused <message>`.
import { once } from 'node:events'
import { closeDb } from '../../lib/platform/db'
import { acquireStoreLock } from '../../lib/platform/store-lock'
import { checkCredentials, createUser, findAccount } from '../../lib/accounts/users'

const [mode, first, second] = process.argv.slice(2)
const waitForever = () => setInterval(() => {}, 60_000)

if (mode === 'hold') {
  await acquireStoreLock(first!)
  console.log('ready')
  waitForever()
} else if (mode === 'race') {
  console.log('loaded')
  await once(process.stdin, 'data')
  try {
    await acquireStoreLock(first!)
    console.log('won')
    waitForever()
  } catch (error) {
    console.log(`refused ${(error as Error).message}`)
    process.exit(3)
  }
} else if (mode === 'create') {
  const result = await createUser({ username: first! }, second!, null)
  console.log(result.ok ? 'ready' : 'failed')
  waitForever()
} else if (mode === 'check') {
  const result = await checkCredentials(await findAccount(first!), second!)
  console.log(JSON.stringify({ ok: result.ok }))
  await closeDb()
}
