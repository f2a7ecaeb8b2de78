import { expect, test } from '@playwright/test'
import { BASE_URL, PASSWORD, api, bearer, expect401, logIn, newSession, patchJson, postJson, requestToken, signUp } from '../helpers'

const INVALID = 'Bearer error="invalid_token"'
const me = (token: string) => api('/api/users/me', { headers: bearer(token) })

test.describe('password change: POST /api/users/me/password', () => {
  test('needs the current password, ends every other session, keeps this one', async () => {
    const { username, token } = await newSession()
    const elsewhere = await logIn(username)
    const response = await postJson('/api/users/me/password', { current_password: PASSWORD, new_password: 'a brand new passphrase' }, bearer(token))
    expect(response.status).toBe(204)
    expect((await me(token)).status).toBe(200)
    await expect401(await me(elsewhere), 'Could not validate credentials', INVALID)
    expect((await requestToken(username, PASSWORD)).status).toBe(401)
    expect((await requestToken(username, 'a brand new passphrase')).status).toBe(200)
  })

  test('a wrong current password is 400 and changes nothing', async () => {
    const { username, token } = await newSession()
    const elsewhere = await logIn(username)
    const response = await postJson('/api/users/me/password', { current_password: 'not my password', new_password: 'a brand new passphrase' }, bearer(token))
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ detail: 'Current password is incorrect' })
    expect((await me(elsewhere)).status).toBe(200)
    expect((await requestToken(username, PASSWORD)).status).toBe(200)
  })

  test('the new password follows the password rules (422 naming new_password)', async () => {
    const { username, token } = await newSession()
    for (const newPassword of ['short', username.toUpperCase(), 'x'.repeat(73)]) {
      const response = await postJson('/api/users/me/password', { current_password: PASSWORD, new_password: newPassword }, bearer(token))
      expect(response.status).toBe(422)
      expect((await response.json()).detail[0].loc).toEqual(['body', 'new_password'])
    }
    expect((await requestToken(username, PASSWORD)).status).toBe(200)
  })
})

test.describe('sessions: GET /api/sessions, DELETE /api/sessions/{id}', () => {
  test('lists the live sessions with their details, marking this one', async () => {
    const { username, token } = await newSession()
    await api('/api/token', { method: 'POST', headers: { 'user-agent': 'PhoneBrowser/1.0' }, body: new URLSearchParams({ username, password: PASSWORD }) })
    const response = await api('/api/sessions', { headers: bearer(token) })
    expect(response.status).toBe(200)
    const sessions = await response.json()
    expect(sessions).toHaveLength(2)
    expect(sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1)
    const phone = sessions.find((s: { user_agent: string }) => s.user_agent === 'PhoneBrowser/1.0')
    expect(phone).toMatchObject({ id: expect.any(String), current: false, ip: expect.any(String), created_at: expect.any(String), last_used_at: expect.any(String), expires_at: expect.any(String) })
  })

  test('ending another session signs that device out on its next request', async () => {
    const { username, token } = await newSession()
    const other = await logIn(username)
    const sessions = await (await api('/api/sessions', { headers: bearer(token) })).json()
    const target = sessions.find((s: { current: boolean }) => !s.current)
    const response = await api(`/api/sessions/${target.id}`, { method: 'DELETE', headers: bearer(token) })
    expect(response.status).toBe(204)
    await expect401(await me(other), 'Could not validate credentials', INVALID)
    expect((await me(token)).status).toBe(200)
    const left = await (await api('/api/sessions', { headers: bearer(token) })).json()
    expect(left.map((s: { id: string }) => s.id)).not.toContain(target.id)
  })

  test('ending the current session signs this device out and clears its cookies', async () => {
    const { token } = await newSession()
    const [current] = await (await api('/api/sessions', { headers: bearer(token) })).json()
    const response = await api(`/api/sessions/${current.id}`, { method: 'DELETE', headers: bearer(token) })
    expect(response.status).toBe(204)
    expect(response.headers.getSetCookie().map((c) => c.split(';')[0]).sort()).toEqual(['passgate_access=', 'passgate_refresh='])
    await expect401(await me(token), 'Could not validate credentials', INVALID)
  })

  test('another user\'s session, an ended one, an unknown or a malformed id is 404', async () => {
    const alice = await newSession()
    const bob = await newSession()
    const [bobSession] = await (await api('/api/sessions', { headers: bearer(bob.token) })).json()
    const ended = await logIn(alice.username)
    const [endedSession] = (await (await api('/api/sessions', { headers: bearer(ended) })).json()).filter((s: { current: boolean }) => s.current)
    expect((await api('/api/logout', { method: 'POST', headers: bearer(ended) })).status).toBe(204)
    for (const id of [bobSession.id, endedSession.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await api(`/api/sessions/${id}`, { method: 'DELETE', headers: bearer(alice.token) })
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({ detail: 'Session not found' })
    }
    expect((await me(bob.token)).status).toBe(200)
  })
})

test.describe('profile: PATCH /api/users/me', () => {
  test('changes email and full name; null clears; absent stays', async () => {
    const { token } = await newSession()
    let response = await patchJson('/api/users/me', { email: 'new@example.com', full_name: 'New Name' }, bearer(token))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ email: 'new@example.com', full_name: 'New Name' })
    response = await patchJson('/api/users/me', { full_name: null }, bearer(token))
    expect(await response.json()).toMatchObject({ email: 'new@example.com', full_name: null })
    expect(await (await me(token)).json()).toMatchObject({ email: 'new@example.com', full_name: null })
  })

  test('invalid values and fields that are not the profile\'s are 422, and change nothing', async () => {
    const { token } = await newSession()
    for (const [body, field] of [
      [{ email: 'nope' }, 'email'],
      [{ full_name: 'bad\u0000name' }, 'full_name'],
      [{ role: 'admin' }, 'role'],
      [{ username: 'someone_else' }, 'username'],
    ] as const) {
      const response = await patchJson('/api/users/me', body, bearer(token))
      expect(response.status).toBe(422)
      expect(JSON.stringify((await response.json()).detail)).toContain(field)
    }
    expect(await (await me(token)).json()).toMatchObject({ role: 'user', email: null })
  })
})

test.describe('CSRF and CORS', () => {
  async function browserSession(): Promise<string> {
    const { username } = await signUp()
    const response = await requestToken(username, PASSWORD)
    return response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  }

  test('a cookie-authenticated request from another site is 403; from this site it works', async () => {
    const cookie = await browserSession()
    for (const origin of ['http://evil.example', 'null']) {
      const response = await api('/api/logout', { method: 'POST', headers: { cookie, origin } })
      expect(response.status).toBe(403)
      expect(await response.json()).toEqual({ detail: 'Cross-site request refused' })
    }
    const crossSiteNoOrigin = await api('/api/logout', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'cross-site' } })
    expect(crossSiteNoOrigin.status).toBe(403)
    expect((await api('/api/users/me', { headers: { cookie } })).status).toBe(200) // still signed in
    const sameSite = await api('/api/logout', { method: 'POST', headers: { cookie, origin: BASE_URL } })
    expect(sameSite.status).toBe(204)
  })

  test('every state-changing method is covered, also under a percent-encoded path', async () => {
    const cookie = await browserSession()
    const evil = { cookie, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }
    const attempts: [string, string][] = [
      ['PATCH', '/api/users/me'],
      ['DELETE', '/api/sessions/00000000-0000-4000-8000-000000000000'],
      ['POST', '/api/users/me/password'],
      ['POST', '/%61pi/logout'],
      ['POST', '/%61pi/token'],
    ]
    for (const [method, path] of attempts) {
      const response = await api(path, { method, headers: evil, body: '{}' })
      expect(response.status, `${method} ${path}`).toBe(403)
    }
    expect((await api('/api/users/me', { headers: { cookie } })).status).toBe(200)
  })

  test('a listed origin may not use cookies either: only bearer tokens', async () => {
    const cookie = await browserSession()
    const response = await api('/api/logout', { method: 'POST', headers: { cookie, origin: 'http://allowed.example', 'sec-fetch-site': 'cross-site' } })
    expect(response.status).toBe(403)
    expect((await api('/api/users/me', { headers: { cookie } })).status).toBe(200)
  })

  test('a same-origin request through a proxy that rewrites Host passes by Fetch Metadata', async () => {
    const cookie = await browserSession()
    const response = await api('/api/logout', { method: 'POST', headers: { cookie, origin: 'https://public.example', 'sec-fetch-site': 'same-origin' } })
    expect(response.status).toBe(204)
  })

  test('a login posted from another site is refused (login CSRF)', async () => {
    const { username } = await signUp()
    const response = await api('/api/token', { method: 'POST', headers: { origin: 'http://evil.example' }, body: new URLSearchParams({ username, password: PASSWORD }) })
    expect(response.status).toBe(403)
    expect(response.headers.get('set-cookie')).toBeNull()
  })

  test('bearer requests are unaffected by Origin', async () => {
    const { token } = await newSession()
    const response = await api('/api/logout', { method: 'POST', headers: { ...bearer(token), origin: 'http://evil.example' } })
    expect(response.status).toBe(204)
  })

  test('a listed origin gets its preflight answered, without credentials; another does not', async () => {
    const preflight = (origin: string) =>
      api('/api/users/me', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
    const allowed = await preflight('http://allowed.example')
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://allowed.example')
    expect(allowed.headers.get('access-control-allow-headers')).toContain('Authorization')
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull()
    const other = await preflight('http://evil.example')
    expect(other.headers.get('access-control-allow-origin')).toBeNull()

    const { username, token } = await newSession()
    const call = await api('/api/users/me', { headers: { ...bearer(token), origin: 'http://allowed.example' } })
    expect(call.headers.get('access-control-allow-origin')).toBe('http://allowed.example')
    expect((await call.json()).username).toBe(username)
  })
})
