import { randomInt } from 'node:crypto'
import { expect, oauthError, test } from '../fixtures'
import { PASSWORD, changePassword, cookiePair, liveSessions, postJson, requestToken, signUp, uniqueName, withSql } from '../helpers'
import { type ExtraServer, freshDataDir, startServer, waitForHealth } from '../servers'

// Throttling (OWASP ASVS 5.0 V6.3.5, NIST SP 800-63B 5.2.2) and the password list.

async function expectThrottled(response: Response, windowSeconds = 900): Promise<void> {
  expect(response.status).toBe(429)
  const retryAfter = Number(response.headers.get('retry-after'))
  expect(retryAfter).toBeGreaterThan(0)
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds)
  expect((await response.json()).detail).toMatch(/^Too many attempts\. Try again in \d+ (seconds|minutes)\.$/)
}

test.describe('failed logins per username', () => {
  test('the sixth attempt within the window is 429, even with the right password; others are unaffected', async ({ user: { username } }) => {
    for (let attempt = 0; attempt < 5; attempt++) expect((await requestToken(username, 'wrong password')).status).toBe(401)
    const blocked = await requestToken(username, PASSWORD)
    await expectThrottled(blocked.clone())
    const body = await blocked.json()
    expect(body).toEqual(oauthError('temporarily_unavailable', body.detail))
    expect((await requestToken((await signUp()).username, PASSWORD)).status).toBe(200)
  })

  test('an unknown username is throttled the same way, so the limit reveals nothing', async () => {
    const nobody = uniqueName('nobody')
    for (let attempt = 0; attempt < 5; attempt++) expect((await requestToken(nobody, 'wrong password')).status).toBe(401)
    await expectThrottled(await requestToken(nobody, 'wrong password'))
  })

  test('a burst of concurrent guesses gets no more tries than the limit', async ({ user: { username } }) => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => requestToken(username, 'wrong password')))
    const statuses = responses.map((response) => response.status)
    expect(statuses.filter((status) => status === 401)).toHaveLength(5)
    expect(statuses.filter((status) => status === 429)).toHaveLength(15)
  })

  test('failures from elsewhere never lock the user out of a browser they signed in with before', async ({ user: { username } }) => {
    const first = await requestToken(username, PASSWORD)
    const device = first.headers.getSetCookie().find((cookie) => cookie.startsWith('passgate_device='))!
    expect(device).toMatch(/; Path=\/;/)
    expect(device).toMatch(/; HttpOnly/)
    const deviceCookie = cookiePair(first, 'passgate_device')
    for (let attempt = 0; attempt < 6; attempt++) await requestToken(username, 'an attacker guessing')
    await expectThrottled(await requestToken(username, PASSWORD)) // a new browser or a script waits
    const known = await requestToken(username, PASSWORD, { cookie: deviceCookie })
    expect(known.status).toBe(200) // the user's own browser does not
    // The cookie vouches for that user only.
    const other = await signUp()
    for (let attempt = 0; attempt < 6; attempt++) await requestToken(other.username, 'an attacker guessing')
    const borrowed = await requestToken(other.username, PASSWORD, { cookie: deviceCookie })
    expect(borrowed.status).toBe(429)
  })

  test('a name that only lower-cases to an account in some locale is its own unknown user', async () => {
    const username = `adm${uniqueName('i')}`.toLowerCase()
    await signUp({ username })
    const lookalike = username.replace('i', 'İ')
    expect((await requestToken(lookalike, PASSWORD)).status).toBe(401)
  })

  test('a success gives back only its own attempt to the username, so the user\'s scripts do not refill an attacker\'s guesses; a known browser starts afresh', async ({
    user: { username },
  }) => {
    const guess = (cookie?: string) => requestToken(username, 'wrong password', cookie === undefined ? {} : { cookie })
    for (let attempt = 0; attempt < 4; attempt++) expect((await guess()).status).toBe(401)
    const success = await requestToken(username, PASSWORD) // the user's script, between the guesses
    expect(success.status).toBe(200)
    expect((await guess()).status).toBe(401) // the fifth guess
    expect((await guess()).status).toBe(429) // and no more
    const device = cookiePair(success, 'passgate_device')
    for (let attempt = 0; attempt < 4; attempt++) expect((await guess(device)).status).toBe(401)
    const known = await requestToken(username, PASSWORD, { cookie: device })
    expect(known.status).toBe(200)
    const renewed = cookiePair(known, 'passgate_device')
    for (let attempt = 0; attempt < 4; attempt++) expect((await guess(renewed)).status).toBe(401)
  })

  test('wrong current passwords on a password change are throttled too', async ({ session: { token } }) => {
    const attempt = () => changePassword(token, 'not it', 'another passphrase')
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(400)
    await expectThrottled(await attempt())
  })
})

test('the address recorded is the connection\'s: a client-sent X-Forwarded-For is ignored', async ({ user: { username } }) => {
  const login = await requestToken(username, PASSWORD, { 'x-forwarded-for': '203.0.113.9' })
  const { access_token: token } = await login.json()
  const [session] = await liveSessions(token)
  expect(session!.ip).toBe('127.0.0.1')
})

test.describe('behind a trusted proxy (TRUST_PROXY=1): per-address limits, https', () => {
  test.describe.configure({ mode: 'serial', timeout: 90_000 })
  let server: ExtraServer
  const window = 8
  test.beforeAll(async () => {
    server = startServer(3131, {
      DATA_DIR: freshDataDir('throttle'),
      TRUST_PROXY: '1',
      THROTTLE_WINDOW_SECONDS: String(window),
      THROTTLE_LOGIN_PER_IP: '3',
      THROTTLE_SIGNUP_PER_IP: '2',
    })
    await waitForHealth(server)
  })
  test.afterAll(async () => server?.stop())

  // TRUST_PROXY=1: the right-most X-Forwarded-For entry is the client, as our one proxy saw it.
  let count = randomInt(0, 1000) * 100
  const address = () => `198.51.100.7, 10.${Math.floor(++count / 250) % 250}.${count % 250}.1`
  const from = (forwarded: string) => ({ 'x-forwarded-for': forwarded })
  const signUpFrom = (forwarded: string, username = uniqueName()) =>
    postJson('/api/users', { username, password: PASSWORD }, from(forwarded), server.url)
  const loginFrom = (forwarded: string, username: string, password: string) => requestToken(username, password, from(forwarded), server.url)

  test('sign-ups per address: the third is 429; another address is unaffected', async () => {
    const here = address()
    expect((await signUpFrom(here)).status).toBe(200)
    expect((await signUpFrom(here)).status).toBe(200)
    await expectThrottled(await signUpFrom(here), window)
    expect((await signUpFrom(address())).status).toBe(200)
  })

  test('failed logins per address, across usernames; the proxy\'s own entry decides, not the client\'s', async () => {
    const proxyEntry = address().split(', ')[1]!
    for (let attempt = 0; attempt < 3; attempt++) {
      // A different spoofed left-hand entry each time: only the right-most (our proxy's) counts.
      expect((await loginFrom(`192.0.2.${attempt}, ${proxyEntry}`, uniqueName('nobody'), 'wrong')).status).toBe(401)
    }
    await expectThrottled(await loginFrom(proxyEntry, uniqueName('nobody'), 'wrong'), window)
    expect((await loginFrom(address(), uniqueName('nobody'), 'wrong')).status).toBe(401)
  })

  test('https as the proxy reports it: HSTS for this host only, and __Host- cookies that a sibling subdomain cannot plant', async () => {
    const username = uniqueName()
    expect((await signUpFrom(address(), username)).status).toBe(200)
    const https = { ...from(address()), 'x-forwarded-proto': 'https' }
    const login = await requestToken(username, PASSWORD, https, server.url)
    expect(login.status).toBe(200)
    // includeSubDomains only when HSTS_INCLUDE_SUBDOMAINS says so (tests/api/trust.spec.ts).
    expect(login.headers.get('strict-transport-security')).toBe('max-age=63072000')
    const cookies = login.headers.getSetCookie()
    expect(cookies.map((cookie) => cookie.split('=')[0]).sort()).toEqual(['__Host-passgate_access', '__Host-passgate_device', '__Host-passgate_refresh'])
    for (const cookie of cookies) {
      expect(cookie).toMatch(/; Path=\/;/)
      expect(cookie).toMatch(/; Secure/)
      expect(cookie).not.toMatch(/Domain=/i)
    }
    const access = cookiePair(login, '__Host-passgate_access')
    const me = (cookie: string) => fetch(`${server.url}/api/users/me`, { headers: { ...https, cookie } })
    expect((await me(access)).status).toBe(200)
    // Over https the plain name (which any subdomain could set for the parent domain) is not read.
    expect((await me(access.replace('__Host-', ''))).status).toBe(401)
    const admin = (cookie: string) => fetch(`${server.url}/admin`, { headers: { ...https, cookie }, redirect: 'manual' })
    expect((await admin(access)).status).toBe(200)
    expect((await admin(access.replace('__Host-', ''))).status).toBe(307)
    const page = await fetch(`${server.url}/login`, { headers: { 'x-forwarded-proto': 'https' } })
    expect(page.headers.get('content-security-policy')).toContain('upgrade-insecure-requests')
    expect(page.headers.get('strict-transport-security')).toBe('max-age=63072000')
  })

  test('a throttled user is delayed for the window at most, then signs in', async () => {
    const username = uniqueName()
    expect((await signUpFrom(address(), username)).status).toBe(200)
    for (let attempt = 0; attempt < 5; attempt++) expect((await loginFrom(address(), username, 'wrong')).status).toBe(401)
    await expectThrottled(await loginFrom(address(), username, PASSWORD), window)
    await new Promise((resolve) => setTimeout(resolve, window * 1000 + 300))
    expect((await loginFrom(address(), username, PASSWORD)).status).toBe(200)
  })
})

test('expired counters are cleaned up as new ones are written', async () => {
  test.skip(!process.env.DATABASE_URL, 'needs a second connection to the database')
  await withSql(async (sql) => {
    const stale = `login:user:${uniqueName('stale')}`
    await sql`insert into throttles (key, hits, reset_at) values (${stale}, 3, now() - interval '1 hour')`
    expect((await requestToken(uniqueName('nobody'), 'wrong')).status).toBe(401)
    expect(await sql`select 1 from throttles where key = ${stale}`).toHaveLength(0)
  })
})

test.describe('common passwords (NIST SP 800-63B 3.1.1.2)', () => {
  for (const password of ['password1', 'qwertyuiop', 'IloveYou1']) {
    test(`"${password}" is refused at sign-up, naming the rule`, async () => {
      const response = await postJson('/api/users', { username: uniqueName(), password })
      expect(response.status).toBe(422)
      expect((await response.json()).detail).toEqual([
        { loc: ['body', 'password'], msg: 'This password is too common: choose another', type: 'value_error' },
      ])
    })
  }

  test('and as a new password', async ({ session: { token } }) => {
    const response = await changePassword(token, PASSWORD, 'baseball1')
    expect(response.status).toBe(422)
    expect((await response.json()).detail[0]).toMatchObject({ loc: ['body', 'new_password'], msg: 'This password is too common: choose another' })
  })
})
