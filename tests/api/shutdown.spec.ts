import fs from 'node:fs'
import { expect, test } from '../fixtures'
import { PASSWORD, me, requestToken, signUp, uniqueName } from '../helpers'
import { freshDataDir, startServer, waitForHealth } from '../servers'

// `npm start` stopped with SIGTERM while sign-ups and logins are in flight: it stops accepting,
// finishes what it took, closes the database, and exits 0. Nothing a client was told succeeded is
// lost, nobody gets a 5xx, and on the embedded store a new server starts at once on the same folder.

test('SIGTERM with sign-ups and logins in flight: every 2xx is kept, no 5xx, and a restart comes up at once', async () => {
  test.setTimeout(120_000)
  const env: Record<string, string> = process.env.DATABASE_URL ? {} : { DATA_DIR: freshDataDir('shutdown') }
  const server = startServer(3192, env, 'npm-start')
  await waitForHealth(server)
  // Logins spread over three users, at most 45 each: a 51st session would end the user's oldest,
  // whose token the check below would then find dead for a reason that is not the stop.
  const loginUsers = await Promise.all(Array.from({ length: 3 }, () => signUp({}, server.url)))

  const signedUp: string[] = []
  const tokens: string[] = []
  const failures: string[] = []
  let refused = 0
  let stoppedAt = Infinity
  let finishedAfterStop = 0
  const loop = async (request: () => Promise<Response>, keep: (response: Response) => Promise<void>, times = Infinity) => {
    for (let n = 0; n < times; n++) {
      let response: Response
      try {
        response = await request()
      } catch {
        refused++ // the server had stopped accepting: this request was never taken
        return
      }
      if (response.status >= 500) failures.push(`${response.status} ${await response.text()}`)
      else if (response.ok) await keep(response)
      if (Date.now() > stoppedAt) finishedAfterStop++
    }
  }
  const signUps = Array.from({ length: 6 }, () => {
    return loop(
      async () => {
        const username = uniqueName('term')
        const response = await fetch(`${server.url}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
        if (response.ok) signedUp.push(username)
        return response
      },
      async () => {},
    )
  })
  const logins = loginUsers.map((user) =>
    loop(
      () => requestToken(user.username, PASSWORD, {}, server.url),
      async (response) => {
        tokens.push((await response.json()).access_token)
      },
      45,
    ),
  )
  await new Promise((resolve) => setTimeout(resolve, 2_000))
  stoppedAt = Date.now()
  process.kill(server.pid, 'SIGTERM')
  expect(await server.exited, server.output()).toBe(0)
  await Promise.all([...signUps, ...logins])
  expect(server.output()).toContain('SIGTERM: finishing the requests in flight')
  expect(server.output()).toContain('passgate: stopped: requests finished, database closed')
  if (env.DATA_DIR !== undefined) {
    // Closed cleanly: the lock and the owner's socket are gone, not merely stale.
    expect(fs.readdirSync(env.DATA_DIR).filter((file) => file.startsWith('pglite.'))).toEqual([])
  }
  expect(failures, 'no request got a 5xx').toEqual([])
  expect(signedUp.length).toBeGreaterThan(0)
  expect(tokens.length).toBeGreaterThan(0)
  expect(finishedAfterStop, 'requests in flight at SIGTERM were answered, not dropped').toBeGreaterThan(0)
  console.log(`${signedUp.length} sign-ups and ${tokens.length} logins acknowledged, ${finishedAfterStop} answered after SIGTERM, ${refused} loops stopped by a refused connection`)

  const started = Date.now()
  const again = startServer(3193, env, 'npm-start')
  try {
    await waitForHealth(again, 200, 30_000)
    console.log(`restarted and healthy in ${Date.now() - started} ms`)
    for (const username of signedUp) expect((await requestToken(username, PASSWORD, {}, again.url)).status, username).toBe(200)
    for (const token of tokens) expect((await me(token, again.url)).status).toBe(200)
  } finally {
    await again.stop()
  }
})
