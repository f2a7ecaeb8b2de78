import { expect, expectRefreshRefused, test } from '../fixtures'
import { PASSWORD, api, bearer, changePassword, liveSessions, logIn, logOut, me, postJson, refreshGrant, requestToken } from '../helpers'
import { type ExtraServer, startServer, waitForHealth } from '../servers'

// Two app instances on one PostgreSQL: the app is stateless, so whatever ends a session on one
// instance is refused on the other at once.

test.describe('two instances on one database', () => {
  test.skip(!process.env.DATABASE_URL, 'needs PostgreSQL: the embedded store serves one process')
  test.describe.configure({ mode: 'serial', timeout: 120_000 })

  let a: ExtraServer
  let b: ExtraServer
  test.beforeAll(async () => {
    a = startServer(3121, {})
    b = startServer(3122, {})
    await Promise.all([waitForHealth(a), waitForHealth(b)])
  })
  test.afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
  })

  test('a key deleted on one instance is refused on the other at once', async ({ user: { username } }) => {
    const token = await logIn(username, PASSWORD, a.url)
    const { id, key } = await (await postJson('/api/keys', { name: 'cron', scopes: ['read'] }, bearer(token), a.url)).json()
    expect((await me(key, b.url)).status).toBe(200)
    expect((await api(`/api/keys/${id}`, { method: 'DELETE', headers: bearer(token) }, a.url)).status).toBe(204)
    expect((await me(key, b.url)).status).toBe(401)
  })

  test('logout on one instance is refused on the other at once', async ({ user: { username } }) => {
    const token = await logIn(username, PASSWORD, a.url)
    expect((await me(token, b.url)).status).toBe(200)
    expect((await logOut(token, a.url)).status).toBe(204)
    expect((await me(token, b.url)).status).toBe(401)
  })

  test('a password change on one instance signs the other sessions out on the other', async ({ user: { username } }) => {
    const here = await logIn(username, PASSWORD, a.url)
    const there = await logIn(username, PASSWORD, b.url)
    const change = await changePassword(here, PASSWORD, 'changed on instance a', {}, a.url)
    expect(change.status).toBe(204)
    expect((await me(there, b.url)).status).toBe(401)
    expect((await me(here, b.url)).status).toBe(200)
  })

  test('a session ended on one instance is refused on the other', async ({ user: { username } }) => {
    const laptop = await logIn(username, PASSWORD, a.url)
    const phone = await logIn(username, PASSWORD, b.url)
    const laptopSession = (await liveSessions(phone, b.url)).find((s) => !s.current)!
    expect((await api(`/api/sessions/${laptopSession.id}`, { method: 'DELETE', headers: bearer(phone) }, b.url)).status).toBe(204)
    expect((await me(laptop, a.url)).status).toBe(401)
  })

  test('a refresh token rotated on one instance is reuse on the other', async ({ user: { username } }) => {
    const first = await (await requestToken(username, PASSWORD, {}, a.url)).json()
    const second = await refreshGrant(first.refresh_token, a.url)
    expect(second.status).toBe(200)
    const third = await refreshGrant((await second.json()).refresh_token, b.url)
    expect(third.status).toBe(200)
    const { access_token: newest } = await third.json()
    expect((await me(newest, a.url)).status).toBe(200)
    await expectRefreshRefused(await refreshGrant(first.refresh_token, b.url)) // two rotations old: reuse
    expect((await me(newest, a.url)).status).toBe(401)
  })

  test('two instances refreshing one token at the same moment hand out the same pair', async ({ user: { username } }) => {
    const first = await (await requestToken(username, PASSWORD, {}, a.url)).json()
    const [fromA, fromB] = await Promise.all([refreshGrant(first.refresh_token, a.url), refreshGrant(first.refresh_token, b.url)])
    expect([fromA.status, fromB.status]).toEqual([200, 200])
    const [pairA, pairB] = await Promise.all([fromA.json(), fromB.json()])
    expect(pairA.refresh_token).toBe(pairB.refresh_token)
    expect((await me(pairA.access_token, b.url)).status).toBe(200)
  })
})
