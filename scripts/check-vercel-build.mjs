// `node scripts/check-vercel-build.mjs`: builds the app as Vercel does (`vercel build`, a preview
// deploy: no migrations, no database, no secret) without a Vercel account, then checks what it made:
// no function carries the embedded store (PGlite cannot run there; it would add ~20 MB to each),
// each stays under Vercel's 250 MB limit, and the API function, unpacked alone as Vercel runs it,
// refuses to start without DATABASE_URL and, given this shell's DATABASE_URL, answers /api/health
// from that database. Overwrites .next and .vercel/output. The CLI is no dependency (it is large):
// it is installed once into a cache folder.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const CLI_VERSION = '48.9.2'
const FUNCTION_LIMIT = 250 * 1024 * 1024
const embeddedStore = /node_modules\/@electric-sql\/pglite(-[0-9a-f]+)?(\/|$)/
const functionsDir = '.vercel/output/functions'
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

function fail(message) {
  console.error(`check-vercel-build: ${message}`)
  process.exit(1)
}

function run(command, args, env = process.env) {
  const { status, error } = spawnSync(command, args, { stdio: 'inherit', env })
  if (error || status !== 0) fail(`\`${command} ${args.join(' ')}\` failed${error ? `: ${error.message}` : ` (exit ${status})`}`)
}

function vercelCli() {
  const cache = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'passgate', `vercel-cli-${CLI_VERSION}`)
  const bin = path.join(cache, 'node_modules', '.bin', 'vercel')
  if (!fs.existsSync(bin)) run('npm', ['install', '--prefix', cache, '--no-audit', '--no-fund', '--loglevel=error', `vercel@${CLI_VERSION}`])
  return bin
}

function vercelBuild() {
  // `vercel build` needs a linked project; placeholder ids and the framework are enough offline.
  // A real link (`vercel link`) is left as it is; a placeholder is removed afterwards, so that a
  // later `vercel deploy` asks which project to use instead of aiming at a made-up one.
  const placeholder = !fs.existsSync('.vercel/project.json')
  if (placeholder) {
    fs.mkdirSync('.vercel', { recursive: true })
    const project = { projectId: 'prj_placeholder', orgId: 'team_placeholder', settings: { framework: 'nextjs' } }
    fs.writeFileSync('.vercel/project.json', `${JSON.stringify(project)}\n`)
  }
  // Vercel sets VERCEL_ENV on its own machines only. No telemetry: the build needs no network.
  const env = { ...process.env, VERCEL_ENV: 'preview', VERCEL_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1', NO_UPDATE_NOTIFIER: '1' }
  for (const name of ['DATABASE_URL', 'DATABASE_URL_UNPOOLED', 'AUTH_SECRET']) delete env[name]
  const started = Date.now()
  try {
    run(vercelCli(), ['build'], env)
  } finally {
    if (placeholder) fs.rmSync('.vercel/project.json', { force: true })
  }
  console.log(`vercel build took ${Math.round((Date.now() - started) / 1000)} s`)
}

/** Each function (its own folder; symlinked ones are aliases): the files it ships and their size. */
function readFunctions() {
  const functions = []
  for (const name of fs.readdirSync(functionsDir, { recursive: true })) {
    const dir = path.join(functionsDir, name)
    if (!name.endsWith('.func') || fs.lstatSync(dir).isSymbolicLink()) continue
    // Files in the folder, plus those Vercel copies in from the project (filePathMap: in-function
    // path to project path).
    const files = new Map(fs.readdirSync(dir, { recursive: true }).map((file) => [file, path.join(dir, file)]))
    const config = JSON.parse(fs.readFileSync(path.join(dir, '.vc-config.json'), 'utf8'))
    for (const [file, source] of Object.entries(config.filePathMap ?? {})) files.set(file, source)
    let size = 0
    for (const source of files.values()) {
      const stat = fs.lstatSync(source)
      if (stat.isFile()) size += stat.size
    }
    functions.push({ name, dir, config, files, size })
  }
  return functions
}

function checkFunctions(functions) {
  if (functions.length === 0) fail(`no functions in ${functionsDir}: did \`vercel build\` run?`)
  for (const fn of functions) console.log(`${mb(fn.size).padStart(9)}  ${fn.files.size} files  ${fn.name}`)
  const total = functions.reduce((sum, fn) => sum + fn.size, 0)
  const largest = functions.reduce((a, b) => (b.size > a.size ? b : a))
  console.log(`${functions.length} functions, ${mb(total)} in all; the largest, ${largest.name}, ${mb(largest.size)}`)
  for (const fn of functions) {
    const carried = [...fn.files.keys()].filter((file) => embeddedStore.test(file))
    if (carried.length > 0) fail(`${fn.name} carries the embedded store (${carried.length} files, e.g. ${carried[0]}), which cannot run on Vercel: see scripts/vercel-build.mjs.`)
    if (fn.size > FUNCTION_LIMIT) fail(`${fn.name} is ${mb(fn.size)}, over Vercel's ${mb(FUNCTION_LIMIT)} limit.`)
  }
}

/** Lays the function out as Vercel unpacks it: a folder of its own, nothing else around it. */
function unpack(fn) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'passgate-function-'))
  for (const [file, source] of fn.files) {
    const target = path.join(root, file)
    const stat = fs.lstatSync(source)
    if (stat.isDirectory()) continue
    fs.mkdirSync(path.dirname(target), { recursive: true })
    if (stat.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target)
    else fs.copyFileSync(source, target)
  }
  return root
}

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Runs an unpacked function (its launcher is a Node request handler) with a Vercel function's env. */
async function startFunction(fn, root, env) {
  const port = await freePort()
  const serve = `require('node:http').createServer(require('./${fn.config.handler}')).listen(${port}, '127.0.0.1')`
  // Nothing from this shell (no DATA_DIR, no test settings): only what Vercel would set.
  const child = spawn(process.execPath, ['-e', serve], {
    cwd: root,
    env: { PATH: process.env.PATH, VERCEL: '1', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  /** The first answer to /api/health other than `skip`, or how the function ended. */
  async function health(skip) {
    const deadline = Date.now() + 30_000
    let last = 'no answer'
    while (Date.now() < deadline && child.exitCode === null) {
      const response = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null)
      if (response !== null) {
        last = `${response.status} ${await response.text()}`
        if (response.status !== skip) return last
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    return child.exitCode === null ? last : `exit ${child.exitCode}`
  }
  return { health, exited, output: () => output, stop: () => child.kill() }
}

/** The API function, unpacked alone: it refuses to run without DATABASE_URL, and serves with it. */
async function checkApiFunction(functions) {
  const api = functions.find((fn) => fn.files.has('.next/server/app/api/health/route.js'))
  if (api === undefined) fail('no function serves /api/health')
  const root = unpack(api)
  const secret = randomBytes(32).toString('base64url')
  try {
    const refusing = await startFunction(api, root, { AUTH_SECRET: secret })
    const ended = await refusing.health()
    await Promise.race([refusing.exited, new Promise((resolve) => setTimeout(resolve, 10_000))])
    refusing.stop()
    const refusal = 'passgate cannot start: DATABASE_URL is not set. On Vercel the embedded database would lose its data'
    if (!refusing.output().includes(refusal)) fail(`without DATABASE_URL the API function answered ${ended}, not saying "${refusal}":\n${refusing.output()}`)
    console.log(`without DATABASE_URL the API function stops: ${refusing.output().trim().split('\n')[0]}`)
    if (!process.env.DATABASE_URL) {
      console.log('DATABASE_URL is not set here: the API function was not run on a database.')
      return
    }
    const serving = await startFunction(api, root, { DATABASE_URL: process.env.DATABASE_URL, AUTH_SECRET: secret })
    const answer = await serving.health(503)
    serving.stop()
    const expected = '200 {"status":"ok","database":"ok","schema":"current"}'
    if (answer !== expected) fail(`the API function answered /api/health with ${answer}, not ${expected}:\n${serving.output()}`)
    console.log(`the API function, unpacked alone (${mb(api.size)}), answers /api/health: ${answer}`)
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

vercelBuild()
const functions = readFunctions()
checkFunctions(functions)
await checkApiFunction(functions)
