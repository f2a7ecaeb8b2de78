import fs from 'node:fs'
import { expect, test } from '../fixtures'
import { PASSWORD, me, requestToken, signUp, uniqueName } from '../helpers'
import { type ExtraServer, freshDataDir, startServer, waitForHealth } from '../servers'

// `npm start` stopped while sign-ups and logins are in flight: it stops accepting, finishes what it
// took, closes the database, and exits 0. Nothing a client was told succeeded is lost, no request
// sent before the stop goes unanswered, nobody gets a 5xx, and on the embedded store a new server
// starts at once on the same folder. However the stop is delivered: to the one process, or to the
// whole process group of a WEB_CONCURRENCY=2 server (Ctrl-C in a terminal, systemd's default
// KillMode=control-group), where each worker gets the signal twice (directly, and from the primary).

type Traffic = { signedUp: string[]; tokens: string[] }

/**
 * Six sign-up loops and three login loops against `server`; after 2 s, `stop()`; then checks that
 * the server exited 0 and that every request sent before the stop was answered (none dropped).
 */
async function stopUnderLoad(server: ExtraServer, stop: () => void): Promise<Traffic> {
  // Logins spread over three users, at most 45 each: a 51st session would end the user's oldest,
  // whose token the check afterwards would then find dead for a reason that is not the stop.
  const loginUsers = await Promise.all(Array.from({ length: 3 }, () => signUp({}, server.url)))
  const traffic: Traffic = { signedUp: [], tokens: [] }
  const failures: string[] = []
  const dropped: string[] = []
  let stoppedAt = Infinity
  let inFlightAtStop = 0
  let answeredAfterStop = 0
  let endedByStop = 0
  const loop = async (request: () => Promise<Response>, keep: (response: Response) => Promise<void>, times = Infinity) => {
    for (let n = 0; n < times; n++) {
      const sentAt = Date.now()
      let response: Response
      try {
        response = await request()
      } catch (error) {
        // Sent after the stop: refused or closed before it was read, as a stopping server may.
        // Sent before: the server had taken it and dropped it.
        if (sentAt < stoppedAt) dropped.push(`${(error as Error).cause ?? error}`)
        else endedByStop++
        return
      }
      if (sentAt < stoppedAt && Date.now() > stoppedAt) inFlightAtStop++
      if (Date.now() > stoppedAt) answeredAfterStop++
      if (response.status >= 500) failures.push(`${response.status} ${await response.text()}`)
      else if (response.ok) await keep(response)
    }
  }
  const signUps = Array.from({ length: 6 }, () =>
    loop(
      async () => {
        const username = uniqueName('term')
        const response = await fetch(`${server.url}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
        if (response.ok) traffic.signedUp.push(username)
        return response
      },
      async () => {},
    ),
  )
  const logins = loginUsers.map((user) =>
    loop(
      () => requestToken(user.username, PASSWORD, {}, server.url),
      async (response) => {
        traffic.tokens.push((await response.json()).access_token)
      },
      45,
    ),
  )
  await new Promise((resolve) => setTimeout(resolve, 2_000))
  stoppedAt = Date.now()
  stop()
  const code = await server.exited
  await Promise.all([...signUps, ...logins])
  expect(dropped, `${dropped.length} of the ${inFlightAtStop + dropped.length} requests in flight at the stop dropped`).toEqual([])
  expect(code, server.output()).toBe(0)
  expect(failures, 'no request got a 5xx').toEqual([])
  expect(traffic.signedUp.length).toBeGreaterThan(0)
  expect(traffic.tokens.length).toBeGreaterThan(0)
  expect(inFlightAtStop, 'requests were in flight at the stop').toBeGreaterThan(0)
  expect(server.output()).not.toContain('stopping at once')
  console.log(
    `${traffic.signedUp.length} sign-ups and ${traffic.tokens.length} logins acknowledged; ${inFlightAtStop} in flight at the stop, 0 dropped; ${answeredAfterStop} answered after it; ${endedByStop} loops ended by a refused connection`,
  )
  return traffic
}

/** Every acknowledged sign-up signs in, and every token works, on `server`. */
async function expectKept(traffic: Traffic, server: ExtraServer): Promise<void> {
  for (const username of traffic.signedUp) expect((await requestToken(username, PASSWORD, {}, server.url)).status, username).toBe(200)
  for (const token of traffic.tokens) expect((await me(token, server.url)).status).toBe(200)
}

test('SIGTERM with sign-ups and logins in flight: every 2xx is kept, no 5xx, and a restart comes up at once', async () => {
  test.setTimeout(120_000)
  const env: Record<string, string> = process.env.DATABASE_URL ? {} : { DATA_DIR: freshDataDir('shutdown') }
  const server = startServer(3192, env, 'npm-start')
  await waitForHealth(server)
  const traffic = await stopUnderLoad(server, () => process.kill(server.pid, 'SIGTERM'))
  expect(server.output()).toContain('SIGTERM: finishing the requests in flight')
  expect(server.output()).toContain('passgate: stopped: requests finished, database closed')
  if (env.DATA_DIR !== undefined) {
    // Closed cleanly: the lock and the owner's socket are gone, not merely stale.
    expect(fs.readdirSync(env.DATA_DIR).filter((file) => file.startsWith('pglite.'))).toEqual([])
  }

  const started = Date.now()
  const again = startServer(3193, env, 'npm-start')
  try {
    await waitForHealth(again, 200, 30_000)
    console.log(`restarted and healthy in ${Date.now() - started} ms`)
    await expectKept(traffic, again)
  } finally {
    await again.stop()
  }
})

test('WEB_CONCURRENCY=2 stopped by SIGTERM to its whole process group: every worker drains once, nothing dropped, exit 0', async () => {
  test.skip(!process.env.DATABASE_URL, 'the embedded store serves one process: the test above is its whole group')
  test.setTimeout(120_000)
  const server = startServer(3194, { WEB_CONCURRENCY: '2' }, 'npm-start', { detached: true })
  let traffic: Traffic
  try {
    await waitForHealth(server)
    // A negative pid: every process of the group the server leads, as a terminal's Ctrl-C and
    // systemd's default KillMode=control-group deliver it.
    traffic = await stopUnderLoad(server, () => process.kill(-server.pid, 'SIGTERM'))
  } finally {
    await server.stop()
  }
  expect(server.output().match(/SIGTERM: finishing the requests in flight/g), 'each worker drains once').toHaveLength(2)
  expect(server.output().match(/passgate: stopped: requests finished, database closed/g)).toHaveLength(2)

  const again = startServer(3195, {}, 'npm-start')
  try {
    await waitForHealth(again, 200, 30_000)
    await expectKept(traffic, again)
  } finally {
    await again.stop()
  }
})
