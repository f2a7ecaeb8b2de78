// `npm test`'s build step: `next build` as a deploy runs it, with no database, no secret and no
// data folder, failing if the build needs or makes any of them. DATABASE_URL and
// DATABASE_URL_UNPOOLED name a local port that only counts connections, AUTH_SECRET is unset, and
// DATA_DIR names a folder that must still not exist afterwards (the embedded store and the
// development secret would be made there). The tests then run against this build.
//
// It builds into the suite's own folder (tests/folders.mjs), never the .next of `npm run dev` or
// `npm run build`, and only when the sources changed since its last build there: CI's second run
// of `npm test`, or a developer's rerun after changing only tests, reuses the build.
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { TEST_DIST_DIR, TEST_FOLDER } from '../tests/folders.mjs'

function fail(message) {
  console.error(`test-build: ${message}`)
  process.exit(1)
}

/**
 * A hash of what the build is made from: every file git would commit (tracked, or new and not
 * ignored) but the tests, docs and CI script, the `.env` files Next reads, and Node's version.
 * Null outside a git checkout: then it always builds.
 */
function sourcesHash() {
  let files
  try {
    files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\0')
  } catch {
    return null
  }
  const built = files.filter((file) => file !== '' && !/^(tests|docs|\.ci)\/|\.md$/.test(file))
  const envFiles = fs.readdirSync('.').filter((name) => name.startsWith('.env'))
  const hash = createHash('sha256').update(process.version)
  for (const file of [...new Set([...built, ...envFiles])].sort()) {
    hash.update(`\0${file}\0`)
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : 'deleted')
  }
  return hash.digest('hex')
}

const stamp = path.join(TEST_DIST_DIR, 'sources.sha256')
const sources = sourcesHash()
if (sources !== null && fs.existsSync(path.join(TEST_DIST_DIR, 'BUILD_ID')) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === sources) {
  console.log(`test-build: ${TEST_DIST_DIR} was built from these very sources: not built again.`)
  process.exit(0)
}

let connections = 0
const counter = net.createServer((socket) => {
  connections++
  socket.destroy()
})
await new Promise((resolve) => counter.listen(0, '127.0.0.1', resolve))
const databaseUrl = `postgres://build@127.0.0.1:${counter.address().port}/none`
const dataDir = path.join(TEST_FOLDER, 'build-data')
fs.rmSync(dataDir, { recursive: true, force: true })
const defaultDataDirExisted = fs.existsSync('.data')

const env = { ...process.env, DATABASE_URL: databaseUrl, DATABASE_URL_UNPOOLED: databaseUrl, DATA_DIR: dataDir, NEXT_DIST_DIR: TEST_DIST_DIR }
delete env.AUTH_SECRET
const next = createRequire(import.meta.url).resolve('next/dist/bin/next')
const child = spawn(process.execPath, [next, 'build'], { env, stdio: 'inherit' })
const code = await new Promise((resolve) => child.on('exit', (status) => resolve(status ?? 1)))
counter.close()
const dataDirMade = fs.existsSync(dataDir)
fs.rmSync(dataDir, { recursive: true, force: true })

if (code !== 0) fail(`\`next build\` failed (exit ${code}) with no database, no AUTH_SECRET and no data folder.`)
if (connections > 0) fail(`\`next build\` connected to DATABASE_URL ${connections} time(s): the build must not open the database.`)
if (dataDirMade) fail('`next build` created DATA_DIR: the build must not open the embedded store or make a secret.')
if (!defaultDataDirExisted && fs.existsSync('.data')) fail('`next build` created .data: the build must not open the embedded store or make a secret.')
if (sources !== null) fs.writeFileSync(stamp, sources)
console.log(`test-build: \`next build\` into ${TEST_DIST_DIR} needed no database (0 connections), no AUTH_SECRET and no data folder (none made).`)
