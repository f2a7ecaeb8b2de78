// A second process for the embedded-store tests: `hold DIR` takes the lock and waits;
// `create USERNAME` opens the store in DATA_DIR, creates a user and waits to be killed;
// `check USERNAME PASSWORD` opens it again and prints whether that login works.
import { closeDb } from '../../lib/db'
import { acquireStoreLock } from '../../lib/store-lock'
import { checkCredentials, createUser, findAccount } from '../../lib/users'

const [mode, first, second] = process.argv.slice(2)
const waitForever = () => setInterval(() => {}, 60_000)

if (mode === 'hold') {
  acquireStoreLock(first!)
  console.log('ready')
  waitForever()
} else if (mode === 'create') {
  const result = await createUser({ username: first! }, second!, null)
  console.log(result.ok ? 'ready' : 'failed')
  waitForever()
} else if (mode === 'check') {
  const result = await checkCredentials(await findAccount(first!), second!)
  console.log(JSON.stringify({ ok: result.ok }))
  await closeDb()
}
