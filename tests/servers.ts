import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

// Extra `next start` processes beside the main test server, for what needs its own configuration
// (closed sign-up, a missing secret, an unreachable database) or a second instance; and the
// terminal commands an operator runs.

export type ExtraServer = {
  url: string
  pid: number
  output: () => string
  exited: Promise<number | null>
  stop: () => Promise<void>
}

const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next')

/** The port a test asks for, moved by TEST_PORT_OFFSET so that two checkouts can run the suite side by side. */
export function testPort(basePort: number): number {
  return basePort + Number(process.env.TEST_PORT_OFFSET ?? 0)
}

/**
 * `next start` on `port` (see testPort) and 127.0.0.1; with `launcher: 'npm-start'`, through
 * `npm start`'s scripts/start.mjs. `flags: false` leaves out --port and --hostname (the server then
 * takes PORT and HOSTNAME from `env`); `detached` makes it lead a process group of its own, which a
 * test can signal as a whole, as a terminal's Ctrl-C or systemd does.
 */
export function startServer(
  basePort: number,
  env: Record<string, string>,
  launcher: 'next' | 'npm-start' = 'next',
  { flags = true, detached = false }: { flags?: boolean; detached?: boolean } = {},
): ExtraServer {
  const port = testPort(basePort)
  const program = launcher === 'next' ? [nextBin, 'start'] : ['scripts/start.mjs']
  const child: ChildProcess = spawn(process.execPath, [...program, ...(flags ? ['--port', String(port), '--hostname', '127.0.0.1'] : [])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  })
  return asServer(child, port, 'SIGTERM')
}

/** A spawned server process seen as an ExtraServer: its output, its exit, and `signal` to stop it. */
export function asServer(child: ChildProcess, port: number, signal: NodeJS.Signals): ExtraServer {
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const server = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
  started.push(server)
  return server
}

/** A process's state letter from /proc (`Z` for a zombie), or null when there is no such process. */
export function processState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] ?? null
  } catch {
    return null
  }
}

/** Waits until the server answers /api/health with `status` (or exits, which fails the wait). */
export async function waitForHealth(server: ExtraServer, status = 200, timeoutMs = 60_000): Promise<void> {
  let gone = false
  void server.exited.then(() => (gone = true))
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (gone) throw new Error(`server exited early:\n${server.output()}`)
    const response = await fetch(`${server.url}/api/health`).catch(() => null)
    if (response?.status === status) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`server not ready (${status}) in ${timeoutMs} ms:\n${server.output()}`)
}

/** Waits until the server has printed `text` (or exits, which fails the wait). */
export async function waitForOutput(server: ExtraServer, text: string, timeoutMs = 60_000): Promise<void> {
  let gone = false
  void server.exited.then(() => (gone = true))
  const deadline = Date.now() + timeoutMs
  while (!server.output().includes(text)) {
    if (gone) throw new Error(`server exited early:\n${server.output()}`)
    if (Date.now() > deadline) throw new Error(`server did not print "${text}" in ${timeoutMs} ms:\n${server.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** An empty folder of the test's own under the tmp folder (a server's DATA_DIR, say): removed when the test ends. */
export function freshDataDir(name: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `passgate-${name}-`))
  made.push(folder)
  return folder
}

// What tests start and make, so that what one test leaves is cleared when it ends, passed or not
// (a test that times out never reaches its own `finally`).
const started: ExtraServer[] = []
const made: string[] = []

/**
 * Marks the servers started and the folders made from now on, and returns what stops those
 * servers and removes those folders: tests/fixtures.ts calls it around every test, and around
 * each worker for what a beforeAll starts or makes.
 */
export function leftoversFromNowOn(): () => Promise<void> {
  const [servers, folders] = [started.length, made.length]
  return async () => {
    await Promise.all(started.splice(servers).map((server) => server.stop()))
    for (const folder of made.splice(folders)) fs.rmSync(folder, { recursive: true, force: true })
  }
}

/** `scripts/<script>.ts` as `npm run` runs it, with `env` added: its exit code and everything it printed. */
export function runCommand(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], { env: { ...process.env, ...env } }).then(
    (done) => ({ code: 0, output: done.stdout + done.stderr }),
    (failed: { code: number; stdout: string; stderr: string }) => ({ code: failed.code, output: failed.stdout + failed.stderr }),
  )
}
