import { expect, test } from '@playwright/test'
import { PASSWORD, signUp } from '../helpers'
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

  const call = (server: ExtraServer, path: string, token: string, init: RequestInit = {}) =>
    fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } })
  const grant = (server: ExtraServer, refreshToken: string) =>
    fetch(`${server.url}/api/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }) })
  async function login(server: ExtraServer, username: string): Promise<string> {
    const response = await fetch(`${server.url}/api/token`, { method: 'POST', body: new URLSearchParams({ username, password: PASSWORD }) })
    expect(response.status).toBe(200)
    return (await response.json()).access_token
  }

  test('a key deleted on one instance is refused on the other at once', async () => {
    const { username } = await signUp()
    const token = await login(a, username)
    const created = await call(a, '/api/keys', token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cron', scopes: ['read'] }) })
    const { id, key } = await created.json()
    expect((await call(b, '/api/users/me', key)).status).toBe(200)
    expect((await call(a, `/api/keys/${id}`, token, { method: 'DELETE' })).status).toBe(204)
    expect((await call(b, '/api/users/me', key)).status).toBe(401)
  })

  test('logout on one instance is refused on the other at once', async () => {
    const { username } = await signUp()
    const token = await login(a, username)
    expect((await call(b, '/api/users/me', token)).status).toBe(200)
    expect((await call(a, '/api/logout', token, { method: 'POST' })).status).toBe(204)
    expect((await call(b, '/api/users/me', token)).status).toBe(401)
  })

  test('a password change on one instance signs the other sessions out on the other', async () => {
    const { username } = await signUp()
    const here = await login(a, username)
    const there = await login(b, username)
    const change = await call(a, '/api/users/me/password', here, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ current_password: PASSWORD, new_password: 'changed on instance a' }),
    })
    expect(change.status).toBe(204)
    expect((await call(b, '/api/users/me', there)).status).toBe(401)
    expect((await call(b, '/api/users/me', here)).status).toBe(200)
  })

  test('a session ended on one instance is refused on the other', async () => {
    const { username } = await signUp()
    const laptop = await login(a, username)
    const phone = await login(b, username)
    const sessions = await (await call(b, '/api/sessions', phone)).json()
    const laptopSession = sessions.find((s: { current: boolean }) => !s.current)
    expect((await call(b, `/api/sessions/${laptopSession.id}`, phone, { method: 'DELETE' })).status).toBe(204)
    expect((await call(a, '/api/users/me', laptop)).status).toBe(401)
  })

  test('a refresh token rotated on one instance is reuse on the other', async () => {
    const { username } = await signUp()
    const first = await (await fetch(`${a.url}/api/token`, { method: 'POST', body: new URLSearchParams({ username, password: PASSWORD }) })).json()
    const second = await grant(a, first.refresh_token)
    expect(second.status).toBe(200)
    const third = await grant(b, (await second.json()).refresh_token)
    expect(third.status).toBe(200)
    const { access_token: newest } = await third.json()
    expect((await call(a, '/api/users/me', newest)).status).toBe(200)
    expect((await grant(b, first.refresh_token)).status).toBe(400) // two rotations old: reuse
    expect((await call(a, '/api/users/me', newest)).status).toBe(401)
  })

  test('two instances refreshing one token at the same moment hand out the same pair', async () => {
    const { username } = await signUp()
    const first = await (await fetch(`${a.url}/api/token`, { method: 'POST', body: new URLSearchParams({ username, password: PASSWORD }) })).json()
    const [fromA, fromB] = await Promise.all([grant(a, first.refresh_token), grant(b, first.refresh_token)])
    expect([fromA.status, fromB.status]).toEqual([200, 200])
    const [pairA, pairB] = await Promise.all([fromA.json(), fromB.json()])
    expect(pairA.refresh_token).toBe(pairB.refresh_token)
    expect((await call(b, '/api/users/me', pairA.access_token)).status).toBe(200)
  })
})
