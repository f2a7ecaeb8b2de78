import { expect, expectCookiesCleared, expectFieldError, expectInvalidToken, test } from '../fixtures'
import { BASE_URL, PASSWORD, type User, api, bearer, changePassword, liveSessions, logIn, logOut, me, newSession, patchJson, requestToken } from '../helpers'

test.describe('password change: POST /api/users/me/password', () => {
  test('needs the current password, ends every other session, keeps this one', async ({ session: { username, token } }) => {
    const elsewhere = await logIn(username)
    const response = await changePassword(token, PASSWORD, 'a brand new passphrase')
    expect(response.status).toBe(204)
    expect((await me(token)).status).toBe(200)
    await expectInvalidToken(await me(elsewhere))
    expect((await requestToken(username, PASSWORD)).status).toBe(401)
    expect((await requestToken(username, 'a brand new passphrase')).status).toBe(200)
  })

  test('a wrong current password is 400 and changes nothing', async ({ session: { username, token } }) => {
    const elsewhere = await logIn(username)
    const response = await changePassword(token, 'not my password', 'a brand new passphrase')
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ detail: 'Current password is incorrect' })
    expect((await me(elsewhere)).status).toBe(200)
    expect((await requestToken(username, PASSWORD)).status).toBe(200)
  })

  test('the new password follows the password rules (422 naming new_password)', async ({ session: { username, token } }) => {
    for (const newPassword of ['short', username.toUpperCase(), 'x'.repeat(73)]) {
      await expectFieldError(await changePassword(token, PASSWORD, newPassword), ['body', 'new_password'])
    }
    expect((await requestToken(username, PASSWORD)).status).toBe(200)
  })
})

test.describe('sessions: GET /api/sessions, DELETE /api/sessions/{id}', () => {
  test('lists the live sessions with their details, marking this one', async ({ session: { username, token } }) => {
    await requestToken(username, PASSWORD, { 'user-agent': 'PhoneBrowser/1.0' })
    const sessions = await liveSessions(token)
    expect(sessions).toHaveLength(2)
    expect(sessions.filter((s) => s.current)).toHaveLength(1)
    const phone = sessions.find((s) => s.user_agent === 'PhoneBrowser/1.0')
    expect(phone).toMatchObject({ id: expect.any(String), current: false, ip: expect.any(String), created_at: expect.any(String), last_used_at: expect.any(String), expires_at: expect.any(String) })
  })

  test('ending another session signs that device out on its next request', async ({ session: { username, token } }) => {
    const other = await logIn(username)
    const target = (await liveSessions(token)).find((s) => !s.current)!
    const response = await api(`/api/sessions/${target.id}`, { method: 'DELETE', headers: bearer(token) })
    expect(response.status).toBe(204)
    await expectInvalidToken(await me(other))
    expect((await me(token)).status).toBe(200)
    expect((await liveSessions(token)).map((s) => s.id)).not.toContain(target.id)
  })

  test('ending the current session signs this device out and clears its cookies', async ({ session: { token } }) => {
    const [current] = await liveSessions(token)
    const response = await api(`/api/sessions/${current!.id}`, { method: 'DELETE', headers: bearer(token) })
    expect(response.status).toBe(204)
    expectCookiesCleared(response)
    await expectInvalidToken(await me(token))
  })

  test('another user\'s session, an ended one, an unknown or a malformed id is 404', async ({ session: alice }) => {
    const bob = await newSession()
    const [bobSession] = await liveSessions(bob.token)
    const ended = await logIn(alice.username)
    const [endedSession] = (await liveSessions(ended)).filter((s) => s.current)
    expect((await logOut(ended)).status).toBe(204)
    for (const id of [bobSession!.id, endedSession!.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await api(`/api/sessions/${id}`, { method: 'DELETE', headers: bearer(alice.token) })
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({ detail: 'Session not found' })
    }
    expect((await me(bob.token)).status).toBe(200)
  })
})

test.describe('profile: PATCH /api/users/me', () => {
  test('changes email and full name; null clears; absent stays', async ({ session: { token } }) => {
    let response = await patchJson('/api/users/me', { email: 'new@example.com', full_name: 'New Name', current_password: PASSWORD }, bearer(token))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ email: 'new@example.com', full_name: 'New Name' })
    response = await patchJson('/api/users/me', { full_name: null }, bearer(token))
    expect(await response.json()).toMatchObject({ email: 'new@example.com', full_name: null })
    expect(await (await me(token)).json()).toMatchObject({ email: 'new@example.com', full_name: null })
  })

  test('invalid values and fields that are not the profile\'s are 422, and change nothing', async ({ session: { token } }) => {
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

  test('a new email needs the current password: a stolen session cannot redirect reset links', async ({ session: { token } }) => {
    await expectFieldError(await patchJson('/api/users/me', { email: 'thief@example.com' }, bearer(token)), ['body', 'current_password'])
    const wrong = await patchJson('/api/users/me', { email: 'thief@example.com', current_password: 'not the password' }, bearer(token))
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toEqual({ detail: 'Current password is incorrect' })
    // The full name alone needs none.
    expect((await patchJson('/api/users/me', { full_name: 'Only A Name' }, bearer(token))).status).toBe(200)
    expect(await (await me(token)).json()).toMatchObject({ email: null, full_name: 'Only A Name' })
  })
})

test.describe('CSRF and CORS', () => {
  /** The Cookie header of a browser that signed in as `user`. */
  async function browserSession(user: User): Promise<string> {
    const response = await requestToken(user.username, user.password)
    return response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  }

  test('a cookie-authenticated request from another site is 403; from this site it works', async ({ user }) => {
    const cookie = await browserSession(user)
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

  test('without Fetch Metadata, Origin must match the scheme, host and port, not the host alone', async ({ user }) => {
    const cookie = await browserSession(user)
    const { host, port } = new URL(BASE_URL)
    for (const origin of [`https://${host}`, `https://127.0.0.1:${port}`, `http://127.0.0.1:${Number(port) + 1}`, `http://127.0.0.1`]) {
      const response = await api('/api/logout', { method: 'POST', headers: { cookie, origin } })
      expect(response.status, origin).toBe(403)
    }
    expect((await api('/api/users/me', { headers: { cookie } })).status).toBe(200)
    // Behind a proxy that terminates TLS, the forwarded scheme is the page's: a login from it passes.
    const viaTls = await requestToken(user.username, user.password, { origin: `https://${host}`, 'x-forwarded-proto': 'https' })
    expect(viaTls.status).toBe(200)
  })

  test('every state-changing method is covered, also under a percent-encoded path', async ({ user }) => {
    const cookie = await browserSession(user)
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

  test('a listed origin may not use cookies either: only bearer tokens', async ({ user }) => {
    const cookie = await browserSession(user)
    const response = await api('/api/logout', { method: 'POST', headers: { cookie, origin: 'http://allowed.example', 'sec-fetch-site': 'cross-site' } })
    expect(response.status).toBe(403)
    expect((await api('/api/users/me', { headers: { cookie } })).status).toBe(200)
  })

  test('a same-origin request through a proxy that rewrites Host passes by Fetch Metadata', async ({ user }) => {
    const cookie = await browserSession(user)
    const response = await api('/api/logout', { method: 'POST', headers: { cookie, origin: 'https://public.example', 'sec-fetch-site': 'same-origin' } })
    expect(response.status).toBe(204)
  })

  test('a login posted from another site is refused (login CSRF)', async ({ user: { username } }) => {
    const response = await requestToken(username, PASSWORD, { origin: 'http://evil.example' })
    expect(response.status).toBe(403)
    expect(response.headers.get('set-cookie')).toBeNull()
  })

  test('bearer requests are unaffected by Origin', async ({ session: { token } }) => {
    const response = await api('/api/logout', { method: 'POST', headers: { ...bearer(token), origin: 'http://evil.example' } })
    expect(response.status).toBe(204)
  })

  test('a listed origin gets its preflight answered, without credentials; another does not', async ({ session: { username, token } }) => {
    const preflight = (origin: string) =>
      api('/api/users/me', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
    const allowed = await preflight('http://allowed.example')
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://allowed.example')
    expect(allowed.headers.get('access-control-allow-headers')).toContain('Authorization')
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull()
    const other = await preflight('http://evil.example')
    expect(other.headers.get('access-control-allow-origin')).toBeNull()

    const call = await api('/api/users/me', { headers: { ...bearer(token), origin: 'http://allowed.example' } })
    expect(call.headers.get('access-control-allow-origin')).toBe('http://allowed.example')
    expect((await call.json()).username).toBe(username)
  })
})
