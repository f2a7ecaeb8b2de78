// `npm test`'s build step: `next build` as a deploy runs it, with no database, no secret and no
// data folder, failing if the build needs or makes any of them. DATABASE_URL and
// DATABASE_URL_UNPOOLED name a local port that only counts connections, AUTH_SECRET is unset, and
// DATA_DIR names a folder that must still not exist afterwards (the embedded store and the
// development secret would be made there). The tests then run against this build.
//
// It builds into the suite's own folder (tests/folders.mjs), never the .next of `npm run dev` or
// `npm run build`.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { TEST_DIST_DIR, TEST_FOLDER } from '../tests/folders.mjs'

function fail(message) {
  console.error(`test-build: ${message}`)
  process.exit(1)
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
console.log(`test-build: \`next build\` into ${TEST_DIST_DIR} needed no database (0 connections), no AUTH_SECRET and no data folder (none made).`)
