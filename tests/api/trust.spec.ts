import http from 'node:http'
import { expect, expectRefreshRefused, oauthError, test } from '../fixtures'
import {
  BASE_URL,
  PASSWORD,
  api,
  bearer,
  changePassword,
  cookiePair,
  liveSessions,
  logIn,
  me,
  newDatabase,
  postJson,
  refreshGrant,
  requestToken,
  signUp,
  uniqueName,
  withSql,
} from '../helpers'
import { type ExtraServer, freshDataDir, runCommand, startServer, waitForHealth } from '../servers'

// Promises that must hold under attack: what a password change ends, hashes and their cost,
// device cookies, bounds on sessions and logins, the 100-failure ceiling, bodies, odd `next`
// values, a schema that is behind, and a proxy nobody told us about.

const onPostgres = Boolean(process.env.DATABASE_URL)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const deviceCookie = (response: Response) => cookiePair(response, 'passgate_device')

test.describe('at BCRYPT_COST=12 on a server of its own', () => {
  test.describe.configure({ mode: 'serial', timeout: 120_000 })
  let server: ExtraServer
  test.beforeAll(async () => {
    test.setTimeout(120_000)
    // On PostgreSQL it shares the test database (and so the users the main server makes).
    server = startServer(3151, { BCRYPT_COST: '12', THROTTLE_LOGIN_SUCCESS_PER_USER: '1000', DATA_DIR: freshDataDir('cost12') })
    await waitForHealth(server)
  })
  test.afterAll(async () => server?.stop())

  test('a password change ends the logins with the old password that were still inside bcrypt', async () => {
    const oldPassword = 'the old passphrase 4471'
    const { username } = await signUp({ username: uniqueName('race'), password: oldPassword }, server.url)

    // Four attackers log in with the old password without pause; at any moment some of them have
    // read the old hash and are inside bcrypt (about 0.4 s a comparison at cost 12, more when
    // they share the core).
    let changedAt = Infinity
    const attempts: { started: number; ended: number; status: number; access?: string; refresh?: string }[] = []
    const attacker = async () => {
      for (;;) {
        const started = Date.now()
        const response = await requestToken(username, oldPassword, {}, server.url)
        const body = (await response.json()) as { access_token?: string; refresh_token?: string }
        const ended = Date.now()
        attempts.push({ started, ended, status: response.status, access: body.access_token, refresh: body.refresh_token })
        if (ended > changedAt) return
      }
    }
    const attackers = Array.from({ length: 4 }, attacker)
    await sleep(1_500)
    // The owner signs in now, not before the attackers: on a slow machine they may open 50 sessions,
    // and the cap then ends the least recently used, which must not be the owner's.
    const owner = await logIn(username, oldPassword, server.url)
    const change = await changePassword(owner, oldPassword, 'the new passphrase 9902', {}, server.url)
    changedAt = Date.now()
    expect(change.status, await change.text()).toBe(204)
    await Promise.all(attackers)

    // The race happened: logins began before the change was acknowledged and ended after it.
    const straddling = attempts.filter((attempt) => attempt.started < changedAt && attempt.ended > changedAt)
    expect(straddling.length).toBeGreaterThan(0)
    // And no token the old password ever produced works now, nor can it be refreshed.
    const issued = attempts.filter((attempt) => attempt.status === 200)
    expect(issued.length).toBeGreaterThan(0)
    for (const { access, refresh } of issued) {
      expect((await me(access!, server.url)).status).toBe(401)
      await expectRefreshRefused(await refreshGrant(refresh!, server.url))
    }
    expect((await me(owner, server.url)).status).toBe(200) // the owner stays
  })

  test('a login rehashes a password made at another cost, so timing follows BCRYPT_COST', async ({ user: { username } }) => {
    test.skip(!onPostgres, 'needs two servers on one database')
    // The user signed up on the main server, at cost 10.
    const storedHash = () => withSql(async (sql) => (await sql`select hashed_password from users where username = ${username}`)[0]!.hashed_password as string)
    expect(await storedHash()).toMatch(/^\$2b\$10\$/)
    expect((await requestToken(username, 'not the password', {}, server.url)).status).toBe(401)
    expect(await storedHash()).toMatch(/^\$2b\$10\$/) // a failure changes nothing
    expect((await requestToken(username, PASSWORD, {}, server.url)).status).toBe(200)
    expect(await storedHash()).toMatch(/^\$2b\$12\$/)
    expect((await requestToken(username, PASSWORD)).status).toBe(200) // back on the cost-10 server
    expect(await storedHash()).toMatch(/^\$2b\$10\$/)
  })

  test('without TRUST_PROXY, a request that came through a proxy is reported once', async () => {
    expect(server.output()).not.toContain('TRUST_PROXY') // `next start` fills X-Forwarded-For itself: not a proxy
    for (let i = 0; i < 2; i++) {
      const response = await requestToken(uniqueName('nobody'), 'wrong', { 'x-forwarded-for': '203.0.113.5' }, server.url)
      expect(response.status).toBe(401)
    }
    await expect.poll(() => server.output()).toContain('TRUST_PROXY is not set')
    expect(server.output().match(/TRUST_PROXY is not set/g)).toHaveLength(1)
  })
})

test.describe('device cookies', () => {
  test('a password change voids every device cookie but the new one: a replayed old cookie cannot throttle the user', async ({ user: { username } }) => {
    const first = await requestToken(username, PASSWORD)
    const oldDevice = deviceCookie(first) // cookie A
    const token = ((await first.json()) as { access_token: string }).access_token
    const newPassword = 'a brand new passphrase 5310'
    const change = await changePassword(token, PASSWORD, newPassword, { cookie: oldDevice })
    expect(change.status).toBe(204)
    const newDevice = deviceCookie(change) // cookie A'
    expect(newDevice).not.toBe(oldDevice)
    // The attacker replays A with five wrong passwords, then sends five more without it.
    for (let i = 0; i < 5; i++) expect((await requestToken(username, 'guess', { cookie: oldDevice })).status).toBe(401)
    for (let i = 0; i < 5; i++) expect((await requestToken(username, 'guess')).status).toBe(429)
    // Alice's browser, with A', still signs in.
    const alice = await requestToken(username, newPassword, { cookie: newDevice })
    expect(alice.status, await alice.clone().text()).toBe(200)
  })

  test('each browser has a bucket of its own: a stolen device cookie spends only that browser\'s tries', async ({ user: { username } }) => {
    const stolen = deviceCookie(await requestToken(username, PASSWORD))
    const other = deviceCookie(await requestToken(username, PASSWORD))
    expect(other).not.toBe(stolen)
    for (let i = 0; i < 5; i++) expect((await requestToken(username, 'guess', { cookie: stolen })).status).toBe(401)
    expect((await requestToken(username, PASSWORD, { cookie: stolen })).status).toBe(429)
    expect((await requestToken(username, PASSWORD, { cookie: other })).status).toBe(200)
  })
})

test.describe('bounds', () => {
  test('at most 50 live sessions: the least recently used ends when another begins', async ({ user: { username } }) => {
    test.setTimeout(60_000)
    // last_used_at is kept to the minute, so here the least recently used is the oldest.
    const first = await logIn(username)
    const second = await logIn(username)
    for (let i = 0; i < 48; i++) await logIn(username)
    expect((await me(first)).status).toBe(200) // 50 live: all kept
    expect((await me(second)).status).toBe(200)
    const newest = await logIn(username) // the 51st
    expect(await liveSessions(newest)).toHaveLength(50)
    expect((await me(first)).status).toBe(401)
    expect((await me(second)).status).toBe(200)
  })

  test('sessions that ended more than SESSION_RETENTION_DAYS ago are deleted with their addresses', async ({ user: { id, username } }) => {
    test.skip(!onPostgres, 'writes old rows through a second connection')
    await withSql(async (sql) => {
      const [old] = await sql`insert into sessions (user_id, expires_at, ended_at, end_reason, ip) values (${id}, now() - interval '40 days', now() - interval '31 days', 'logout', '192.0.2.1') returning id`
      const [recent] = await sql`insert into sessions (user_id, expires_at, ended_at, end_reason, ip) values (${id}, now() + interval '1 day', now() - interval '29 days', 'logout', '192.0.2.2') returning id`
      await logIn(username)
      expect(await sql`select 1 from sessions where id = ${old!.id}`).toHaveLength(0)
      expect(await sql`select 1 from sessions where id = ${recent!.id}`).toHaveLength(1)
    })
  })
})

test.describe('the 100-failure ceiling and successful logins per window, on a server of its own', () => {
  test.describe.configure({ mode: 'serial', timeout: 150_000 })
  let server: ExtraServer
  test.beforeAll(async () => {
    test.setTimeout(120_000)
    server = startServer(3152, {
      DATA_DIR: freshDataDir('lockout'),
      // Room for 100 failures in one window; three successful logins per account per window.
      THROTTLE_LOGIN_PER_USER: '1000',
      THROTTLE_LOGIN_SUCCESS_PER_USER: '3',
      HSTS_INCLUDE_SUBDOMAINS: '1',
    })
    await waitForHealth(server)
  })
  test.afterAll(async () => server?.stop())

  const LOCKED = oauthError(
    'invalid_grant',
    'Sign-in from new devices is locked after 100 failed attempts. Sign in from a browser you have signed in with before, or ask an administrator to unlock the account.',
  )

  async function fail100(username: string): Promise<void> {
    for (let batch = 0; batch < 10; batch++) {
      const guesses = Array.from({ length: 10 }, () => requestToken(username, 'a wrong guess', {}, server.url))
      const statuses = (await Promise.all(guesses)).map((response) => response.status)
      expect(statuses).toEqual(Array(10).fill(401))
    }
  }

  test('after 100 consecutive failures only a known browser signs in, and its success lifts the lock', async () => {
    const { username } = await signUp({ username: uniqueName('locked') }, server.url)
    const known = deviceCookie(await requestToken(username, PASSWORD, {}, server.url)) // success 1 of 3
    await fail100(username)
    const locked = await requestToken(username, PASSWORD, {}, server.url)
    expect(locked.status).toBe(400)
    expect(await locked.json()).toEqual(LOCKED)
    // An unknown name locks the same way: the lock says nothing about whether the account exists.
    const nobody = uniqueName('nobody')
    await fail100(nobody)
    const alsoLocked = await requestToken(nobody, PASSWORD, {}, server.url)
    expect(alsoLocked.status).toBe(400)
    expect(await alsoLocked.json()).toEqual(LOCKED)

    expect((await requestToken(username, PASSWORD, { cookie: known }, server.url)).status).toBe(200) // success 2
    expect((await requestToken(username, PASSWORD, {}, server.url)).status).toBe(200) // success 3: the count was reset
    // The fourth success in the window is refused, before any password is checked.
    const fourth = await requestToken(username, PASSWORD, {}, server.url)
    expect(fourth.status).toBe(429)
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  test('HSTS_INCLUDE_SUBDOMAINS=1 extends HSTS to subdomains', async () => {
    const response = await fetch(`${server.url}/api/health`, { headers: { 'x-forwarded-proto': 'https' } })
    expect(response.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains')
  })
})

/** Uploads `total` bytes at about 2 MB/s, chunked; resolves when the server answers. */
function slowUpload(url: string, method: string, headers: Record<string, string>, total = 9 * 1024 * 1024): Promise<{ status: number; ms: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers: { ...headers, 'transfer-encoding': 'chunked' } })
    const chunk = Buffer.alloc(16 * 1024, 'a')
    const started = Date.now()
    let sent = 0
    const timer = setInterval(() => {
      if (sent >= total) {
        clearInterval(timer)
        request.end()
        return
      }
      request.write(chunk)
      sent += chunk.length
    }, 8)
    request.on('response', (response) => {
      clearInterval(timer)
      const result = { status: response.statusCode!, ms: Date.now() - started, sent }
      response.resume()
      request.destroy()
      resolve(result)
    })
    request.on('error', (error) => {
      clearInterval(timer)
      reject(error)
    })
  })
}

test('a slow 9 MB upload is refused with 413 within half a second on every API route that reads a body', async ({ session: { token } }) => {
  const json = { 'content-type': 'application/json' }
  for (const [method, route, headers] of [
    ['POST', '/api/users', json],
    ['POST', '/api/token', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['PATCH', '/api/users/me', { ...json, ...bearer(token) }],
    ['POST', '/api/users/me/password', { ...json, ...bearer(token) }],
  ] as const) {
    const result = await slowUpload(BASE_URL + route, method, headers)
    expect(result.status, `${method} ${route}`).toBe(413)
    expect(result.ms, `${method} ${route} answered after ${result.ms} ms, ${result.sent} bytes sent`).toBeLessThan(500)
  }
})

test('renewing a page session with a non-Latin `next` redirects to it, percent-encoded', async ({ session: { token } }) => {
  const response = await api('/api/token/renew?next=/%E6%97%A5', { headers: { cookie: `passgate_access=${token}` } })
  expect(response.status).toBe(303)
  expect(response.headers.get('location')).toBe('/%E6%97%A5')
  const signedOut = await api('/api/token/renew?next=/%E6%97%A5')
  expect(signedOut.status).toBe(303)
  expect(signedOut.headers.get('location')).toBe('/login?next=/%25E6%2597%25A5')
  const smuggled = await api('/api/token/renew?next=/%E6%97%A5%0d%0aSet-Cookie:x=1', { headers: { cookie: `passgate_access=${token}` } })
  expect(smuggled.headers.get('location')).toBe('/admin')
})

test('hashes from passlib sign in when imported; a hash that is not bcrypt is refused at the door', async () => {
  test.skip(!onPostgres, 'the CLI cannot open the embedded store while the test server owns it')
  const cli = (username: string, hash: string) => runCommand('user-create', [username], { PASSWORD_HASH: hash })
  // Made by passlib 1.7.4 (`passlib.hash.bcrypt.using(ident=..., rounds=10).hash("correct horse battery")`).
  const username = uniqueName('passlib')
  const imported = await cli(username, '$2y$10$7VPMzT.UG0.EenNqgiHvz.yWxMlptDP9UipX8N9nuVkseJslgRdeW')
  expect(imported.code, imported.output).toBe(0)
  expect((await requestToken(username, PASSWORD)).status).toBe(200)

  const argon2 = '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObGG3sIDSVUwDk'
  const refused = await cli(uniqueName('argon'), argon2)
  expect(refused.code).toBe(1)
  expect(refused.output).toContain('PASSWORD_HASH is not a bcrypt hash ($2a$, $2b$ or $2y$, as passlib and bcrypt make)')
  // And a direct import into the table, as a SQL dump would do it.
  await withSql(async (sql) => {
    await expect(sql`insert into users (username, hashed_password) values (${uniqueName('argon')}, ${argon2})`).rejects.toThrow(/users_hashed_password_is_bcrypt/)
  })
})

test('on a database without the migrations: health says the schema is behind, requests answer 503, and migrating fixes it without a restart', async () => {
  test.skip(!onPostgres, 'the embedded store migrates itself')
  test.setTimeout(90_000)
  const name = `passgate_behind_${Date.now()}`
  const env = await newDatabase(name)
  const server = startServer(3153, env)
  try {
    await waitForHealth(server, 503)
    const health = await fetch(`${server.url}/api/health`)
    expect(await health.json()).toEqual({
      status: 'error',
      database: 'ok',
      schema: 'behind',
      detail: 'The database schema is behind this version of the app: run `npm run db:migrate`.',
    })
    await expect.poll(() => server.output()).toContain('passgate: The database schema is behind this version of the app: run `npm run db:migrate`.')
    const signUpThere = () => postJson('/api/users', { username: uniqueName(), password: PASSWORD }, {}, server.url)
    const refused = await signUpThere()
    expect(refused.status).toBe(503)
    expect((await refused.json()).detail).toContain('run `npm run db:migrate`')
    expect((await requestToken(uniqueName(), PASSWORD, {}, server.url)).status).toBe(503)

    const migrated = await runCommand('migrate', [], env)
    expect(migrated.code, migrated.output).toBe(0)
    await waitForHealth(server, 200)
    expect((await signUpThere()).status).toBe(200)
    expect(server.output().match(/schema is behind/g)).toHaveLength(1) // one line at start, not one per request
  } finally {
    await server.stop()
    await withSql((sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
  }
})
