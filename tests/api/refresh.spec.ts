import { createHmac, hkdfSync } from 'node:crypto'
import { SignJWT, decodeJwt } from 'jose'
import { expect, expectCookiesCleared, expectInvalidToken, expectRefreshRefused, test } from '../fixtures'
import { PASSWORD, TEST_SECRET, api, logIn, logOut, me, refreshGrant, requestToken, signUp, withSql } from '../helpers'

// The refresh grant (RFC 6749 section 6) with rotation and reuse detection (RFC 9700 4.14.2).

type Tokens = { access_token: string; refresh_token: string; token_type: string; expires_in: number }

async function login(): Promise<Tokens> {
  const { username } = await signUp()
  return (await requestToken(username, PASSWORD)).json()
}

async function refreshed(refreshToken: string): Promise<Tokens> {
  const response = await refreshGrant(refreshToken)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json()
}

test('a refresh token buys a new pair for the same session, and is itself replaced', async () => {
  const first = await login()
  const second = await refreshed(first.refresh_token)
  expect(second).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, refresh_token: expect.any(String) })
  expect(second.refresh_token).not.toBe(first.refresh_token)
  expect(decodeJwt(second.access_token).sid).toBe(decodeJwt(first.access_token).sid)
  expect((await me(second.access_token)).status).toBe(200)
  // The new refresh token works in turn.
  expect((await me((await refreshed(second.refresh_token)).access_token)).status).toBe(200)
})

test('two refreshes racing with one token (a double-clicked tab) both get the same new pair', async () => {
  const first = await login()
  const [a, b] = await Promise.all([refreshGrant(first.refresh_token), refreshGrant(first.refresh_token)])
  expect([a.status, b.status]).toEqual([200, 200])
  const [pairA, pairB] = (await Promise.all([a.json(), b.json()])) as Tokens[]
  expect(pairA!.refresh_token).toBe(pairB!.refresh_token)
  expect((await me(pairA!.access_token)).status).toBe(200)
  expect((await me(pairB!.access_token)).status).toBe(200)
  expect((await refreshGrant(pairA!.refresh_token)).status).toBe(200)
})

test('a rotated refresh token presented again ends the whole session, thief and victim alike', async ({ user: { username } }) => {
  const laptop = await logIn(username) // another session of the same user, which must survive
  const stolen: Tokens = await (await requestToken(username, PASSWORD)).json()
  const victim = await refreshed(stolen.refresh_token) // the victim refreshes first
  const newer = await refreshed(victim.refresh_token) // and again: `stolen` is now two rotations old
  await expectRefreshRefused(await refreshGrant(stolen.refresh_token)) // the thief replays it
  // Every token of that session is dead: the victim's newest access and refresh tokens too.
  await expectInvalidToken(await me(newer.access_token))
  await expectRefreshRefused(await refreshGrant(newer.refresh_token))
  // Only that session: the user's other session is untouched.
  expect((await me(laptop)).status).toBe(200)
})

test('a reused refresh cookie in the browser ends the session and clears the cookies', async () => {
  const pair = await login()
  await refreshed(await refreshed(pair.refresh_token).then((p) => p.refresh_token))
  const response = await api('/api/users/me', { headers: { cookie: `passgate_refresh=${pair.refresh_token}` } })
  await expectInvalidToken(response)
  expectCookiesCleared(response)
  await expectInvalidToken(await me(pair.access_token))
})

test('a generation from the future, correctly signed, is refused and ends nothing', async () => {
  const pair = await login()
  const [sid] = pair.refresh_token.split('.')
  const key = Buffer.from(hkdfSync('sha256', TEST_SECRET, new Uint8Array(), 'passgate refresh token v1', 32))
  const mac = createHmac('sha256', key).update(`${sid}.5`).digest('base64url')
  await expectRefreshRefused(await refreshGrant(`${sid}.5.${mac}`))
  // The test derives the same MAC the server would: generation 0 signed this way is accepted.
  const genuine = createHmac('sha256', key).update(`${sid}.0`).digest('base64url')
  expect(`${sid}.0.${genuine}`).toBe(pair.refresh_token)
  expect((await refreshGrant(pair.refresh_token)).status).toBe(200)
})

test('the token just replaced counts as reuse once the grace window has passed', async () => {
  const first = await login()
  const second = await refreshed(first.refresh_token)
  await new Promise((resolve) => setTimeout(resolve, 2_500)) // REFRESH_REUSE_GRACE_SECONDS=2 in tests
  await expectRefreshRefused(await refreshGrant(first.refresh_token))
  await expectInvalidToken(await me(second.access_token))
})

test('unknown, malformed and foreign refresh tokens are 400 invalid_grant and end nothing', async () => {
  const pair = await login()
  const [sid, generation, mac] = pair.refresh_token.split('.')
  const flipped = mac!.startsWith('A') ? `B${mac!.slice(1)}` : `A${mac!.slice(1)}`
  const hostile = [
    'not-a-token',
    `${sid}.${generation}.${flipped}`, // MAC altered
    `${sid}.${Number(generation) + 1}.${mac}`, // generation forged
    `00000000-0000-4000-8000-000000000000.0.${mac}`, // another session
    `${pair.access_token}`, // an access token is no refresh token
    `${sid}.0.${'A'.repeat(43)}`,
    'x'.repeat(300),
  ]
  for (const token of hostile) await expectRefreshRefused(await refreshGrant(token))
  // None of that touched the real session: its tokens still work.
  expect((await me(pair.access_token)).status).toBe(200)
  expect((await refreshGrant(pair.refresh_token)).status).toBe(200)
})

test('a missing refresh_token is 400 invalid_request; a logged-out session\'s token is invalid_grant', async () => {
  const missing = await api('/api/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token' }) })
  expect(missing.status).toBe(400)
  expect(await missing.json()).toMatchObject({ error: 'invalid_request' })
  const pair = await login()
  expect((await logOut(pair.access_token)).status).toBe(204)
  await expectRefreshRefused(await refreshGrant(pair.refresh_token))
})

test('a browser whose access cookie expired is renewed from its refresh cookie on its next API call', async () => {
  const pair = await login()
  const claims = decodeJwt(pair.access_token)
  const now = Math.floor(Date.now() / 1000)
  const expired = await new SignJWT({ ...claims, iat: now - 3600, exp: now - 10 }).setProtectedHeader({ alg: 'HS256' }).sign(TEST_SECRET)
  let refreshCookie = pair.refresh_token
  for (const [step, cookie] of [
    ['expired access cookie', () => `passgate_access=${expired}; passgate_refresh=${refreshCookie}`],
    ['no access cookie (the browser dropped it)', () => `passgate_refresh=${refreshCookie}`],
  ] as const) {
    await test.step(step, async () => {
      const response = await api('/api/users/me', { headers: { cookie: cookie() } })
      expect(response.status).toBe(200)
      const renewed = Object.fromEntries(response.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]))
      expect(decodeJwt(renewed.passgate_access!).sid).toBe(claims.sid)
      expect(renewed.passgate_refresh).toMatch(new RegExp(`^${claims.sid}\\.\\d+\\.`))
      expect(renewed.passgate_refresh).not.toBe(refreshCookie)
      refreshCookie = renewed.passgate_refresh!
    })
  }
})

test('a page visit with only a refresh cookie is renewed and lands on the page; a bad one goes to /login', async () => {
  const pair = await login()
  const visit = await api('/admin', { headers: { cookie: `passgate_refresh=${pair.refresh_token}` } })
  expect(visit.status).toBe(307)
  expect(visit.headers.get('location')).toBe('/api/token/renew?next=%2Fadmin')
  const renew = await api('/api/token/renew?next=%2Fadmin', { headers: { cookie: `passgate_refresh=${pair.refresh_token}` } })
  expect(renew.status).toBe(303)
  expect(renew.headers.get('location')).toBe('/admin')
  expect(renew.headers.getSetCookie().map((c) => c.split('=')[0]).sort()).toEqual(['passgate_access', 'passgate_refresh'])
  const bad = await api('/api/token/renew?next=%2Fadmin', { headers: { cookie: 'passgate_refresh=garbage' } })
  expect(bad.headers.get('location')).toBe('/login?next=/admin')
  const offsite = await api('/api/token/renew?next=//evil.example', { headers: { cookie: 'passgate_refresh=garbage' } })
  expect(offsite.headers.get('location')).toBe('/login?next=/admin')
})

test('a session past its lifetime, or a disabled user\'s, cannot be refreshed', async () => {
  test.skip(!process.env.DATABASE_URL, 'needs a second connection to the database to age a session or disable a user')
  await withSql(async (sql) => {
    const aged = await login()
    await sql`update sessions set expires_at = now() - interval '1 second' where id = ${String(decodeJwt(aged.access_token).sid)}`
    await expectRefreshRefused(await refreshGrant(aged.refresh_token))
    const disabled = await login()
    await sql`update users set disabled = true where id = ${Number(decodeJwt(disabled.access_token).sub)}`
    await expectRefreshRefused(await refreshGrant(disabled.refresh_token))
  })
})
