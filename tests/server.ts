// Starts the production build for the test run: a fresh embedded store (or the migrated
// DATABASE_URL), then `next start` on the given port. Playwright stops it when the run ends.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { closeDb, migrateDatabase } from '../lib/db'
import { dataPath, getEnv } from '../lib/env'

const port = process.argv[2] ?? '3100'
if (getEnv().DATABASE_URL === undefined) {
  fs.rmSync(dataPath('pglite'), { recursive: true, force: true })
  fs.rmSync(dataPath('pglite.lock'), { force: true })
}
await migrateDatabase()
await closeDb()

const next = createRequire(import.meta.url).resolve('next/dist/bin/next')
const server = spawn(process.execPath, [next, 'start', '--port', port, '--hostname', '127.0.0.1'], { stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal))
server.on('exit', (code) => process.exit(code ?? 1))
