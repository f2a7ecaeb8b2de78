import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type Project, defineConfig } from '@playwright/test'
import { TEST_DATA_DIR, TEST_DIST_DIR } from './tests/folders.mjs'
import { MAIL_PASSWORD, MAIL_USER } from './tests/mail-server'

// One environment for the test server and the tests themselves (which forge tokens with the same
// secret). DATABASE_URL passes through: unset, the server uses a fresh embedded store in
// .test/data; set, it uses that PostgreSQL database (see .ci/run). The build the servers run, and
// the `next dev` of tests/e2e/dev-server.spec.ts, are the suite's own too (tests/folders.mjs):
// `npm test` runs beside a developer's `npm run dev` and leaves its .next and .data alone.
process.env.AUTH_SECRET = 'test-only secret for passgate test runs; never deploy this value'
process.env.BCRYPT_COST = '10'
process.env.DATA_DIR = TEST_DATA_DIR
process.env.NEXT_DIST_DIR = TEST_DIST_DIR
process.env.CORS_ORIGINS = 'http://allowed.example'
// Short, so that the test of a refresh token replayed after the window need not wait long.
process.env.REFRESH_REUSE_GRACE_SECONDS = '2'
// Every test connects from 127.0.0.1: per-address limits are relaxed here (tests/api/abuse.spec.ts
// checks them on servers of their own); per-username limits keep their defaults.
process.env.THROTTLE_LOGIN_PER_IP = '100000'
// Quiet test servers; tests/api/resilience.spec.ts checks the event log on a server of its own.
process.env.LOG_LEVEL = 'error'
process.env.THROTTLE_SIGNUP_PER_IP = '100000'
process.env.THROTTLE_KEY_FAILURES_PER_IP = '100000'
// Above the 50-session cap that tests/api/trust.spec.ts fills; that file checks the default-sized
// limit on a server of its own.
process.env.THROTTLE_LOGIN_SUCCESS_PER_USER = '100'

const port = Number(process.env.TEST_PORT ?? 3100)
export const baseURL = `http://127.0.0.1:${port}`

// The run's own temporary folder: what the tests, their servers and the browser put in
// os.tmpdir() goes there. tests/summary-reporter.ts names whatever of passgate's is left in it
// when the run ends, fails the run for it, and removes the folder. Made once, by the runner (its
// workers and servers inherit it); one a killed run left on this port goes first.
if (process.env.TEST_RUN_TMPDIR === undefined) {
  const folder = path.join(os.tmpdir(), `passgate-test-${port}`)
  fs.rmSync(folder, { recursive: true, force: true })
  fs.mkdirSync(folder)
  process.env.TEST_RUN_TMPDIR = folder
  process.env.TMPDIR = folder
}

// Mail goes to a real SMTP server inside the test run (tests/mail-server.ts, started by
// tests/server.ts); links in it point at the main test server.
process.env.SMTP_URL = `smtp://${MAIL_USER}:${encodeURIComponent(MAIL_PASSWORD)}@127.0.0.1:${port + 25}`
process.env.MAIL_FROM = 'passgate <no-reply@passgate.test>'
process.env.APP_URL = baseURL
// Every test asks from 127.0.0.1; the per-account limit keeps its default.
process.env.THROTTLE_RESET_PER_IP = '100000'
// Every test connects from 127.0.0.1, and fetch keeps idle connections open for seconds: two
// workers' bursts of 50 could pass npm start's 100 connections per address.
// tests/api/slow-clients.spec.ts checks the cap on servers of its own.
process.env.MAX_CONNECTIONS_PER_IP = '900'

// Debian's Chromium where there is one (no browser download needed); else Playwright's own.
const executablePath = process.env.CHROMIUM_PATH ?? (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)

// The projects. `dev` is `next dev`'s own file: it starts that server on the embedded store whatever
// the suite's database. `e2e` is every other browser test, spread one test at a time rather than
// one file at a time over the workers (each test makes its own users). A run starts them in this
// order, which keeps both workers busy to the end: `dev`, a long file, beside the last API files
// (trust.spec.ts is long too), and then e2e's many short tests. fuzz and timing come after the
// others, one at a time: the fuzzer counts rows exactly, and timing wants a quiet machine.
const browser = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  },
}
const allProjects: Project[] = [
  { name: 'unit', testDir: 'tests/unit' },
  { name: 'api', testDir: 'tests/api' },
  { name: 'dev', testDir: 'tests/e2e', testMatch: 'dev-server.spec.ts', use: browser },
  { name: 'e2e', testDir: 'tests/e2e', testIgnore: 'dev-server.spec.ts', fullyParallel: true, use: browser },
  { name: 'fuzz', testDir: 'tests/isolated', testMatch: 'fuzz.spec.ts', dependencies: ['unit', 'api', 'dev', 'e2e'] },
  { name: 'timing', testDir: 'tests/isolated', testMatch: 'enumeration.spec.ts', dependencies: ['fuzz'] },
]

// TEST_PROJECTS=api,fuzz,timing keeps only those projects (all of them when unset): .ci/run runs
// what does not depend on the store on one store only. Unlike --project, which also runs a chosen
// project's dependencies, it drops the others from the run, so fuzz and timing still come last.
const chosen = process.env.TEST_PROJECTS?.split(',').map((name) => name.trim()) ?? allProjects.map((project) => project.name)
const unknown = chosen.filter((name) => !allProjects.some((project) => project.name === name))
if (unknown.length > 0) throw new Error(`TEST_PROJECTS names no project ${unknown.join(', ')}; the projects: ${allProjects.map((project) => project.name).join(', ')}`)
const projects = allProjects
  .filter((project) => chosen.includes(project.name!))
  .map((project) => ({ ...project, dependencies: project.dependencies?.filter((name) => chosen.includes(name)) }))

export default defineConfig({
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list'], ['./tests/summary-reporter.ts']],
  timeout: 30_000,
  use: { baseURL },
  projects,
  webServer: {
    command: `npx tsx tests/server.ts ${port}`,
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
})
