import fs from 'node:fs'
import { expect, test } from '../fixtures'
import { PASSWORD, requestToken, signUp, uniqueName } from '../helpers'
import { startServer } from '../servers'

// `npm start` with WEB_CONCURRENCY: several `next start` processes on one port (scripts/start.mjs).

/** The pids of a process's children, from /proc. */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
      } catch {
        return false
      }
    })
    .map(Number)
}

/** The nice values of a process's threads, from /proc. */
function threadNices(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) // field 19, nice
  })
}

test('hash threads: the cores shared out among the processes, at HASH_NICE', async () => {
  test.skip(!process.env.DATABASE_URL, 'the embedded store serves one process')
  test.skip(process.platform !== 'linux', 'thread priorities are per thread on Linux only')
  const cores = (await import('node:os')).availableParallelism()
  const server = startServer(3162, { WEB_CONCURRENCY: '2', HASH_NICE: '7', HASH_WORKERS: '' }, 'npm-start')
  try {
    await expect.poll(async () => (await fetch(`${server.url}/api/health`).catch(() => null))?.status, { timeout: 30_000 }).toBe(200)
    const workers = childrenOf(server.pid)
    expect(workers).toHaveLength(2)
    // Each worker made its pool at start-up (the dummy hash): max(1, cores / 2) threads at nice 7.
    for (const pid of workers) {
      await expect.poll(() => threadNices(pid).filter((nice) => nice === 7).length).toBe(Math.max(1, Math.floor(cores / 2)))
    }
  } finally {
    await server.stop()
  }
})

test('WEB_CONCURRENCY=2 serves one port from two processes, replaces one that is stopped or dies, and stops them all on SIGTERM', async () => {
  test.skip(!process.env.DATABASE_URL, 'the embedded store serves one process (refusal tested below)')
  test.setTimeout(90_000)
  const server = startServer(3161, { WEB_CONCURRENCY: '2' }, 'npm-start')
  try {
    await expect.poll(async () => (await fetch(`${server.url}/api/health`).catch(() => null))?.status, { timeout: 30_000 }).toBe(200)
    const workers = childrenOf(server.pid)
    expect(workers).toHaveLength(2)
    const { username } = await signUp({ username: uniqueName('multi') }, server.url)
    const logins = await Promise.all(Array.from({ length: 4 }, () => requestToken(username, PASSWORD, {}, server.url)))
    expect(logins.map((response) => response.status)).toEqual([200, 200, 200, 200])

    // SIGTERM to one worker alone (an operator recycling it, however young): it drains and
    // exits 0, and the primary starts another; the server as a whole keeps running.
    process.kill(workers[1]!, 'SIGTERM')
    await expect.poll(() => childrenOf(server.pid).filter((pid) => !workers.includes(pid)).length, { timeout: 20_000 }).toBe(1)
    await expect.poll(async () => (await fetch(`${server.url}/api/health`).catch(() => null))?.status, { timeout: 20_000 }).toBe(200)
    expect(server.output()).toContain(`passgate: server process ${workers[1]} exited (0); starting another`)

    // A worker that has run a while and dies is replaced; the port keeps answering meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 10_500))
    process.kill(workers[0]!, 'SIGKILL')
    await expect.poll(() => childrenOf(server.pid).filter((pid) => pid !== workers[0]).length, { timeout: 20_000 }).toBe(2)
    await expect.poll(async () => (await fetch(`${server.url}/api/health`).catch(() => null))?.status, { timeout: 20_000 }).toBe(200)
    expect(server.output()).toContain(`passgate: server process ${workers[0]} exited (SIGKILL); starting another`)
  } finally {
    const current = childrenOf(server.pid)
    await server.stop()
    expect(await server.exited).toBe(0)
    for (const pid of current) expect(fs.existsSync(`/proc/${pid}`)).toBe(false)
  }
})

test('WEB_CONCURRENCY above 1 on the embedded store, or not a number, stops start-up with a clear message', async () => {
  const embedded = startServer(3162, { WEB_CONCURRENCY: '2', DATABASE_URL: '' }, 'npm-start')
  expect(await embedded.exited).toBe(1)
  expect(embedded.output()).toContain('passgate cannot start: WEB_CONCURRENCY=2 needs DATABASE_URL: the embedded store can be opened by one process only.')
  const garbled = startServer(3163, { WEB_CONCURRENCY: 'many' }, 'npm-start')
  expect(await garbled.exited).toBe(1)
  expect(garbled.output()).toContain('passgate cannot start: WEB_CONCURRENCY must be a whole number from 1 to 64, not "many".')
})

test('a configuration every worker refuses stops the primary too, with the workers\' message', async () => {
  test.skip(!process.env.DATABASE_URL, 'needs DATABASE_URL to start several processes')
  const server = startServer(3164, { WEB_CONCURRENCY: '2', AUTH_SECRET: '' }, 'npm-start')
  expect(await server.exited).toBe(1)
  expect(server.output()).toContain('passgate cannot start: AUTH_SECRET is not set.')
})
