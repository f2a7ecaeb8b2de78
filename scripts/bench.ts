// `npm run bench [-- --duration=5 --connections=16 --storm=8 --flood=32 --stores=postgres,embedded]`: load
// figures for the production build on this machine. Builds if the build is missing or older than
// the sources, starts `npm start` on PostgreSQL (DATABASE_URL, default the local `test` database)
// and on a fresh embedded store, and drives it with wrk (installed with apt when missing): a
// C load generator whose own CPU share is reported, since it shares the cores with the server.
// Prints a table, the ratios the performance issue asks about, and one JSON line per scenario.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import bcrypt from 'bcryptjs'
import { Secret, TOTP } from 'otpauth'
import { SoftPasskey } from '../tests/webauthn'

const flags = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]))
const duration = Number(flags.duration ?? 5)
const connections = Number(flags.connections ?? 16)
const stormConnections = Number(flags.storm ?? 8)
const floodConnections = Number(flags.flood ?? 32)
const stores = (flags.stores ?? 'postgres,embedded').split(',')
const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const cores = os.availableParallelism()
const port = 3400
const base = `http://127.0.0.1:${port}`
const PASSWORD = 'correct horse battery'
const USERS = 16
const run = `bench${randomBytes(3).toString('hex')}`
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'passgate-bench-'))

function sh(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  execFileSync(command, args, { stdio: 'inherit', env })
}

function newestSource(): number {
  const roots = ['app', 'lib', 'proxy.ts', 'instrumentation.ts', 'next.config.mjs', 'package-lock.json']
  let newest = 0
  for (const root of roots) {
    const files = fs.statSync(root).isDirectory() ? fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).map((file) => path.join(root, file)) : [root]
    for (const file of files) newest = Math.max(newest, fs.statSync(file).mtimeMs)
  }
  return newest
}

function ensureBuild(): void {
  const built = fs.existsSync('.next/BUILD_ID') ? fs.statSync('.next/BUILD_ID').mtimeMs : 0
  if (built > newestSource()) return
  console.log('Building (the build is missing or older than the sources)...')
  sh('npx', ['next', 'build'])
}

function ensureWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
  } catch (error) {
    // wrk --version exits 1 after printing; only a missing binary is ENOENT.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return
    console.log('Installing wrk (apt-get install wrk)...')
    sh('apt-get', ['install', '-y', '-qq', 'wrk'], { ...process.env, DEBIAN_FRONTEND: 'noninteractive' })
  }
}

/** bcryptjs compares per second on one core of this machine, at the server's cost (12). */
function singleCoreBcryptRate(): number {
  const hash = bcrypt.hashSync(PASSWORD, 12)
  const started = performance.now()
  let count = 0
  while (performance.now() - started < 2_000) {
    bcrypt.compareSync(PASSWORD, hash)
    count++
  }
  return count / ((performance.now() - started) / 1000)
}

type Server = { child: ChildProcess; stop: () => Promise<void> }

async function startServer(store: string, processes: number): Promise<Server> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    AUTH_SECRET: randomBytes(32).toString('base64url'),
    BCRYPT_COST: '12',
    LOG_LEVEL: 'error',
    WEB_CONCURRENCY: String(processes),
    // Every request comes from 127.0.0.1 and a few accounts: the limits would measure themselves.
    THROTTLE_LOGIN_PER_IP: '100000000',
    THROTTLE_SIGNUP_PER_IP: '100000000',
    THROTTLE_LOGIN_SUCCESS_PER_USER: '100000000',
    DATABASE_URL: store === 'postgres' ? databaseUrl : '',
    DATA_DIR: path.join(work, store),
    // The passkeys' relying party, which the software passkey of (p) answers for.
    APP_URL: base,
  }
  // `npm start` as package.json has it (its node flags included), without npm in between.
  const [node, ...startArgs] = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ')
  if (node !== 'node') throw new Error('the start script no longer begins with `node`')
  const child = spawn(process.execPath, [...startArgs, '--port', String(port), '--hostname', '127.0.0.1'], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null) throw new Error('the server exited during start-up')
    const health = await fetch(`${base}/api/health`).catch(() => null)
    if (health?.status === 200) break
    if (Date.now() > deadline) throw new Error('the server did not become healthy in 90 s')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** Resident memory of a process and its children (cluster workers), in MB. */
function rssMb(pid: number): number {
  const pids = [pid]
  for (const entry of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) pids.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  let kb = 0
  for (const each of pids) {
    const status = fs.readFileSync(`/proc/${each}/status`, 'utf8')
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  }
  return Math.round(kb / 1024)
}

const DONE = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d,\\"socket_errors\\":%d,\\"non2xx\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
`

function luaScript(name: string, body: string): string {
  const file = path.join(work, `${name}.lua`)
  fs.writeFileSync(file, body + DONE)
  return file
}

/** GET /api/users/me with this bearer token (an access token, a key, or a forged one). */
function meScript(name: string, bearer: string): string {
  return luaScript(name, `wrk.path = "/api/users/me"\nwrk.headers["Authorization"] = "Bearer ${bearer}"`)
}

/** Logins with the right password, round-robin over the USERS accounts setUp() made. */
function loginScript(name: string): string {
  return luaScript(name, `
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/api/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "username=${run}_" .. (counter % ${USERS}) .. "&password=${PASSWORD.replaceAll(' ', '+')}")
end`)
}

type Result = { requests: number; duration_us: number; p50_us: number; p99_us: number; socket_errors: number; non2xx: number; generatorCpu: number }

/**
 * A scenario: a warm-up of the same requests (the JIT; each server process its own), with a pause
 * before and after it so that the server finishes what was left queued (hashes outlive wrk's
 * connections), then the measured run.
 */
async function measure(script: string, seconds: number, conns: number, { warmUp = 3, settle = 1 } = {}): Promise<Result> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, settle * 1000))
  await pause()
  await wrk(script, warmUp, conns)
  await pause()
  return wrk(script, seconds, conns)
}

function wrk(script: string, seconds: number, conns: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    // A fresh tag per run, for scripts that need unique values (sign-up names).
    const tag = randomBytes(3).toString('hex')
    const child = spawn('wrk', ['-t1', `-c${conns}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, base, '--', tag], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    let ticks = 0
    const sample = setInterval(() => {
      try {
        const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').slice(0).split(') ')[1]!.split(' ')
        ticks = Number(stat[11]) + Number(stat[12]) // utime + stime
      } catch {
        // exited
      }
    }, 100)
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('exit', () => {
      clearInterval(sample)
      const line = /BENCH (\{.*\})/.exec(output)?.[1]
      if (line === undefined) return reject(new Error(`wrk printed no summary:\n${output}`))
      resolve({ ...(JSON.parse(line) as Omit<Result, 'generatorCpu'>), generatorCpu: ticks / 100 / seconds })
    })
  })
}

type Row = { store: string; scenario: string; what: string; rps: number; p50: number; p99: number; errors: number; generatorCpu: number }

function row(store: string, scenario: string, what: string, result: Result, expected2xx = true): Row {
  return {
    store,
    scenario,
    what,
    rps: result.requests / (result.duration_us / 1e6),
    p50: result.p50_us / 1000,
    p99: result.p99_us / 1000,
    errors: result.socket_errors + (expected2xx ? result.non2xx : result.requests - result.non2xx),
    generatorCpu: result.generatorCpu,
  }
}

async function setUp(): Promise<{ token: string; key: string }> {
  for (let i = 0; i < USERS; i++) {
    const response = await fetch(`${base}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `${run}_${i}`, password: PASSWORD }) })
    if (response.status !== 200 && response.status !== 409) throw new Error(`sign-up failed: ${response.status}`)
  }
  const login = await fetch(`${base}/api/token`, { method: 'POST', body: new URLSearchParams({ username: `${run}_0`, password: PASSWORD }) })
  const token = ((await login.json()) as { access_token: string }).access_token
  const created = await fetch(`${base}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', scopes: ['read'] }),
  })
  return { token, key: ((await created.json()) as { key: string }).key }
}

// Hashing scenarios: a short warm-up, and pauses long enough for the hashes that wrk's closed
// connections left queued (8 × 330 ms on 2 threads).
const hashing = { warmUp: 1, settle: 2 }

async function benchStore(store: string): Promise<{ rows: Row[]; rss: number; multiRss?: number }> {
  if (store === 'postgres') sh('npx', ['tsx', 'scripts/migrate.ts'], { ...process.env, DATABASE_URL: databaseUrl })
  // The embedded store is created once (initdb) and measured as it runs afterwards: reopened.
  else await (await startServer(store, 1)).stop()
  const server = await startServer(store, 1)
  const rows: Row[] = []
  let rss: number
  try {
    const { token, key } = await setUp()
    const signUp = luaScript('signup', `
local counter = 0
local tag = ""
init = function(args) tag = args[1] end
request = function()
  counter = counter + 1
  return wrk.format("POST", "/api/users", { ["Content-Type"] = "application/json" },
    string.format('{"username":"%s_%s%d","password":"${PASSWORD}"}', "${run}", tag, counter))
end`)
    const logIn = loginScript('login')
    const me = meScript('me', token)
    const withKey = meScript('key', key)
    const badToken = meScript('bad', `${token.slice(0, -4)}AAAA`)
    // A handler that does nothing but answer JSON, through the same route() pipeline: the
    // catch-all's 404 for unknown API paths.
    const noOp = luaScript('noop', `wrk.path = "/api/no-op"`)

    rows.push(row(store, 'a', 'sign-up (POST /api/users)', await measure(signUp, duration, stormConnections, hashing)))
    rows.push(row(store, 'b', 'login (POST /api/token)', await measure(logIn, duration, stormConnections, hashing)))
    // The first scenario on the request thread's hot path: warmed longer, as the later ones have
    // been by those before them.
    rows.push(row(store, 'c', 'GET /api/users/me', await measure(me, duration, connections, { warmUp: 6 })))
    rows.push(row(store, 'k', 'GET /api/users/me with a personal access token', await measure(withKey, duration, connections)))
    await measure(me, 1, connections, { warmUp: 1 }) // settled and warm before the storm starts
    const storm = wrk(logIn, duration + 1, stormConnections)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const during = await wrk(me, duration, connections)
    rows.push(row(store, 'd', `GET /api/users/me during a login storm (${stormConnections} connections)`, during))
    rows.push(row(store, 'd-storm', 'the storm\'s logins', await storm))
    rows.push(row(store, 'e', 'bad token (401)', await measure(badToken, duration, connections), false))
    rows.push(row(store, 'f', 'no-op handler (JSON 404, same pipeline)', await measure(noOp, duration, connections), false))
    rows.push(...(await twoStepSignIns(store)))
    rows.push(...(await passkeySignIns(store)))
    rss = rssMb(server.child.pid!)
  } finally {
    await server.stop()
  }
  if (store !== 'postgres' || cores < 2) return { rows, rss }
  const multi = await startServer(store, cores)
  try {
    const { token } = await setUp()
    const me = meScript('me-multi', token)
    const badToken = meScript('bad-multi', `${token.slice(0, -4)}AAAA`)
    const logIn = loginScript('login-multi')
    rows.push(row(store, 'c-multi', `GET /api/users/me, WEB_CONCURRENCY=${cores}`, await measure(me, duration, connections, { warmUp: 6 })))
    // The other way round from (d): cheap requests nobody needs a password for saturate the cores
    // while one client signs in, one login after another. Hashing must keep a share of the CPU.
    // Long enough for a few dozen logins even when each takes a second.
    const loginSeconds = Math.max(3 * duration, 20)
    await measure(badToken, 1, floodConnections, { warmUp: 1 })
    const flood = wrk(badToken, loginSeconds + 2, floodConnections)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const logins = await signInLoop(`${run}_1`, loginSeconds)
    rows.push({ store, scenario: 'g', what: `one client signing in, one login after another, during (g-flood), WEB_CONCURRENCY=${cores}`, ...logins, generatorCpu: 0 })
    rows.push(row(store, 'g-flood', `bad tokens (401) from ${floodConnections} connections`, await flood, false))
    await new Promise((resolve) => setTimeout(resolve, hashing.settle * 1000))
    const storm = wrk(logIn, duration + 1, stormConnections)
    await new Promise((resolve) => setTimeout(resolve, 500))
    rows.push(row(store, 'd-multi', `GET /api/users/me during a login storm (${stormConnections} connections), WEB_CONCURRENCY=${cores}`, await wrk(me, duration, connections)))
    await storm
    return { rows, rss, multiRss: rssMb(multi.child.pid!) }
  } finally {
    await multi.stop()
  }
}

const MFA_USERS = 24

/**
 * (m) Sign-ins with a second factor by one client, each after the last: the password grant
 * (403 mfa_required) then the mfa-otp grant with the current TOTP code, once per account (a code
 * is good once per user and time step). (m-otp) is the second step alone: a few HMACs and
 * statements, no bcrypt.
 */
async function twoStepSignIns(store: string): Promise<Row[]> {
  const secrets: string[] = []
  for (let i = 0; i < MFA_USERS; i++) {
    const username = `${run}_mfa${i}`
    await fetch(`${base}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
    const login = await fetch(`${base}/api/token`, { method: 'POST', body: new URLSearchParams({ username, password: PASSWORD }) })
    const auth = { authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}`, 'content-type': 'application/json' }
    const { secret } = (await (await fetch(`${base}/api/users/me/mfa/totp`, { method: 'POST', headers: auth })).json()) as { secret: string }
    const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate()
    const confirmed = await fetch(`${base}/api/users/me/mfa/totp/confirm`, { method: 'POST', headers: auth, body: JSON.stringify({ otp: code }) })
    if (confirmed.status !== 200) throw new Error(`TOTP set-up failed: ${confirmed.status}`)
    secrets.push(secret)
  }
  const whole: number[] = []
  const second: number[] = []
  let errors = 0
  const started = performance.now()
  for (let i = 0; i < MFA_USERS; i++) {
    const sent = performance.now()
    const first = await fetch(`${base}/api/token`, { method: 'POST', body: new URLSearchParams({ username: `${run}_mfa${i}`, password: PASSWORD }) })
    const { mfa_token } = (await first.json()) as { mfa_token: string }
    const otpSent = performance.now()
    // The next step's code (one step of drift is allowed): the current one confirmed the set-up.
    const otp = new TOTP({ secret: Secret.fromBase32(secrets[i]!) }).generate({ timestamp: Date.now() + 30_000 })
    const done = await fetch(`${base}/api/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'urn:passgate:params:oauth:grant-type:mfa-otp', mfa_token, otp }) })
    await done.arrayBuffer()
    if (first.status !== 403 || done.status !== 200) errors++
    second.push(performance.now() - otpSent)
    whole.push(performance.now() - sent)
  }
  const seconds = (performance.now() - started) / 1000
  return [
    { store, scenario: 'm', what: `sign-in with a second factor: password grant then mfa-otp grant, one client, ${MFA_USERS} accounts`, ...latencies(whole, seconds), errors, generatorCpu: 0 },
    // Its rate as if the client sent nothing but second steps.
    { store, scenario: 'm-otp', what: 'its second step alone (the mfa-otp grant)', ...latencies(second, second.reduce((a, b) => a + b, 0) / 1000), errors, generatorCpu: 0 },
  ]
}

const PASSKEY_SIGN_INS = 40

/**
 * (p) Sign-ins with a passkey by one client, each after the last: the options, then the passkey
 * grant with a software passkey's answer (an ES256 signature). (p-grant) is the grant alone: a
 * signature check and a few statements, no bcrypt.
 */
async function passkeySignIns(store: string): Promise<Row[]> {
  const username = `${run}_passkey`
  const json = { 'content-type': 'application/json' }
  await fetch(`${base}/api/users`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: PASSWORD }) })
  const login = await fetch(`${base}/api/token`, { method: 'POST', body: new URLSearchParams({ username, password: PASSWORD }) })
  const auth = { authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}`, ...json }
  const passkey = new SoftPasskey(base)
  const creation = await (await fetch(`${base}/api/users/me/passkeys/options`, { method: 'POST', headers: auth })).json()
  const added = await fetch(`${base}/api/users/me/passkeys`, { method: 'POST', headers: auth, body: JSON.stringify({ credential: passkey.register(creation) }) })
  if (added.status !== 201) throw new Error(`passkey registration failed: ${added.status}`)
  const whole: number[] = []
  const grants: number[] = []
  let errors = 0
  const started = performance.now()
  for (let i = 0; i < PASSKEY_SIGN_INS; i++) {
    const sent = performance.now()
    const options = await (await fetch(`${base}/api/passkeys/options`, { method: 'POST', headers: json, body: '{}' })).json()
    const credential = JSON.stringify(passkey.answer(options))
    const grantSent = performance.now()
    const done = await fetch(`${base}/api/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'urn:passgate:params:oauth:grant-type:passkey', credential }) })
    await done.arrayBuffer()
    if (done.status !== 200) errors++
    grants.push(performance.now() - grantSent)
    whole.push(performance.now() - sent)
  }
  const seconds = (performance.now() - started) / 1000
  return [
    { store, scenario: 'p', what: 'sign-in with a passkey: options then the passkey grant, one client', ...latencies(whole, seconds), errors, generatorCpu: 0 },
    { store, scenario: 'p-grant', what: 'its passkey grant alone', ...latencies(grants, grants.reduce((a, b) => a + b, 0) / 1000), errors, generatorCpu: 0 },
  ]
}

function latencies(times: number[], seconds: number): Pick<Row, 'rps' | 'p50' | 'p99'> {
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
  return { rps: times.length / seconds, p50: at(0.5), p99: at(0.99) }
}

/** Logins by one client, each after the last, for `seconds`: their rate and latencies. */
async function signInLoop(username: string, seconds: number): Promise<Pick<Row, 'rps' | 'p50' | 'p99' | 'errors'>> {
  const times: number[] = []
  let errors = 0
  const started = performance.now()
  while (performance.now() - started < seconds * 1000) {
    const sent = performance.now()
    const response = await fetch(`${base}/api/token`, { method: 'POST', body: new URLSearchParams({ username, password: PASSWORD }) })
    await response.arrayBuffer()
    if (response.status !== 200) errors++
    times.push(performance.now() - sent)
  }
  return { ...latencies(times, (performance.now() - started) / 1000), errors }
}

function fmt(value: number, digits = 1): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

async function main(): Promise<void> {
  const started = Date.now()
  ensureBuild()
  ensureWrk()
  const bcryptRate = singleCoreBcryptRate()
  console.log(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${duration} s per scenario, ${connections} connections (${stormConnections} for logins and sign-ups), BCRYPT_COST=12, HASH_WORKERS=${process.env.HASH_WORKERS ?? `the cores shared out`}, HASH_NICE=${process.env.HASH_NICE ?? 'default'}.`)
  console.log(`bcryptjs on one core of this machine: ${fmt(bcryptRate, 2)} compares/s at cost 12.`)
  const results: { store: string; rows: Row[]; rss: number; multiRss?: number }[] = []
  for (const store of stores) results.push({ store, ...(await benchStore(store)) })

  console.log('\n| store | scenario | req/s | p50 ms | p99 ms | errors | wrk CPU |')
  console.log('|---|---|---|---|---|---|---|')
  for (const { rows } of results) {
    for (const r of rows) console.log(`| ${r.store} | (${r.scenario}) ${r.what} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors} | ${Math.round(r.generatorCpu * 100)}% |`)
  }
  console.log('')
  for (const { store, rows, rss, multiRss } of results) {
    const by = (scenario: string) => rows.find((r) => r.scenario === scenario)!
    const ratios = {
      'c/f (target >= 0.85)': by('c').rps / by('f').rps,
      'd p99 / c p99 (target <= 2)': by('d').p99 / by('c').p99,
      'logins / single-core bcrypt (target >= 1.8)': by('b').rps / bcryptRate,
      ...(rows.some((r) => r.scenario === 'c-multi')
        ? {
            [`c with ${cores} processes / c (target >= 1.6)`]: by('c-multi').rps / by('c').rps,
            'g login p99 ms under a flood (target <= 2000)': by('g').p99,
            'd-multi p99 / c-multi p99 (target <= 2)': by('d-multi').p99 / by('c-multi').p99,
          }
        : {}),
    }
    console.log(`${store}: ${Object.entries(ratios).map(([name, value]) => `${name} ${fmt(value, 2)}`).join('; ')}; server RSS after the run ${rss} MB${multiRss === undefined ? '' : ` (${multiRss} MB for ${cores} processes)`}`)
    for (const r of rows) {
      console.log(JSON.stringify({ store, scenario: r.scenario, what: r.what, rps: +r.rps.toFixed(1), p50_ms: +r.p50.toFixed(2), p99_ms: +r.p99.toFixed(2), errors: r.errors, generator_cpu: +r.generatorCpu.toFixed(3) }))
    }
    console.log(JSON.stringify({ store, summary: Object.fromEntries(Object.entries(ratios).map(([name, value]) => [name, +value.toFixed(3)])), rss_mb: rss, multi_rss_mb: multiRss ?? null }))
  }
  console.log(`\nTook ${Math.round((Date.now() - started) / 1000)} s.`)
  fs.rmSync(work, { recursive: true, force: true })
}

await main()
