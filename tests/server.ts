// Starts the production build for the test run, and the SMTP server it mails: a fresh embedded store (or the migrated
// DATABASE_URL), then `npm start`'s server (scripts/start.mjs) on the given port. Playwright stops
// it when the run ends.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { closeDb, migrateDatabase } from '../lib/platform/db'
import { dataPath, getEnv } from '../lib/platform/env'
import { acquireStoreLock } from '../lib/platform/store-lock'
import { createUser } from '../lib/accounts/users'
import { PASSWORD, ROOT_ADMIN } from './constants'
import { startMailServer } from './mail-server'
import { MAILBOX_DIR } from './mailbox'

const port = process.argv[2] ?? '3100'
// The SMTP server every test server sends to (playwright.config.ts sets SMTP_URL).
const mail = await startMailServer(Number(new URL(process.env.SMTP_URL!).port), MAILBOX_DIR)
if (getEnv().DATABASE_URL === undefined) {
  // Under the store's own lock: a test run already using this folder is never wiped.
  const release = await acquireStoreLock(dataPath('pglite'))
  fs.rmSync(dataPath('pglite'), { recursive: true, force: true })
  release()
}
await migrateDatabase()
// The first admin, as an operator would make it with `npm run user:create -- <name> --admin`;
// tests make admins of their own through it (tests/helpers.ts newAdmin).
await createUser({ username: ROOT_ADMIN, role: 'admin' }, PASSWORD, null)
await closeDb()

// Through `npm start`'s launcher, as production runs (tests/servers.ts starts plain `next start`
// servers besides).
const server = spawn(process.execPath, ['scripts/start.mjs', '--port', port, '--hostname', '127.0.0.1'], { stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal))
server.on('exit', (code) => void mail.close().finally(() => process.exit(code ?? 1)))
