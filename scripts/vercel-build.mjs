// `npm run vercel-build`: what Vercel runs instead of `npm run build` when it exists. A production
// deploy applies the migrations (`npm run db:migrate`, under a lock so that two deploys cannot race)
// before it builds. That is safe while the previous deploy still serves: migrations are additive, so
// old code runs on the new schema. Preview deploys only build: they often share production's
// database, which must not get a branch's unreleased migrations. Plain JavaScript, like start.mjs.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

function run(command, args) {
  const { status, error } = spawnSync(command, args, { stdio: 'inherit' })
  if (error) throw error
  if (status !== 0) process.exit(status ?? 1)
}

// Empty variables mean unset, as in lib/platform/env.ts.
const target = process.env.VERCEL_ENV || 'no VERCEL_ENV'
if (process.env.VERCEL && !process.env.VERCEL_ENV) {
  // Without it a production deploy would skip its migrations without a word.
  console.error('vercel-build: VERCEL_ENV is not set: turn "Automatically expose System Environment Variables" back on in the project\'s settings.')
  process.exit(1)
}
if (target === 'production') {
  // DATABASE_URL, not only the direct one: the functions need it too, or they refuse to start.
  if (!process.env.DATABASE_URL) {
    console.error('vercel-build: DATABASE_URL is not set: a production deploy migrates its PostgreSQL database first. Set DATABASE_URL (and DATABASE_URL_UNPOOLED, the direct connection, for a pooled one) in the project\'s environment variables.')
    process.exit(1)
  }
  run('npm', ['run', 'db:migrate'])
} else {
  console.log(`vercel-build: ${target} deploy, migrations skipped (only production deploys migrate).`)
}
run(process.execPath, [createRequire(import.meta.url).resolve('next/dist/bin/next'), 'build'])

// Vercel packs each function from the build's traces (.next/**/*.nft.json). There the database is
// PostgreSQL (start-up refuses to run without DATABASE_URL), so PGlite, which lib/platform/db.ts imports only
// without it, would add ~20 MB to every function for nothing. outputFileTracingExcludes cannot drop
// it: Next 16 leaves instrumentation's trace alone, and Vercel adds that one to every function.
const embeddedStore = /node_modules\/@electric-sql\/pglite(-[0-9a-f]+)?(\/|$)/
let dropped = 0
for (const name of fs.readdirSync('.next', { recursive: true })) {
  if (!name.endsWith('.nft.json')) continue
  const file = path.join('.next', name)
  const trace = JSON.parse(fs.readFileSync(file, 'utf8'))
  const files = trace.files.filter((traced) => !embeddedStore.test(traced))
  if (files.length === trace.files.length) continue
  dropped += trace.files.length - files.length
  // Only `files` changes; other keys that index into it (Next 16 adds fileHashes and symlinks
  // for its own use) are dropped, since Vercel's builder reads `files` alone.
  fs.writeFileSync(file, JSON.stringify({ version: trace.version, files }))
}
console.log(`vercel-build: the embedded store (PGlite) dropped from the traces (${dropped} entries).`)
