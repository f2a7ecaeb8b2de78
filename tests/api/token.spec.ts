import { expect, expectFieldError, expectNotAuthenticated, oauthError, test } from '../fixtures'
import { PASSWORD, api, me, requestToken, signUp, uniqueName } from '../helpers'

test.describe('sign-in: POST /api/token (OAuth2 password grant)', () => {
  test('form-urlencoded credentials get a bearer token and an HttpOnly session cookie', async ({ user: { username } }) => {
    const response = await requestToken(username, PASSWORD)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await response.json()
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, refresh_token: expect.any(String) })
    const cookies = response.headers.getSetCookie()
    const access = cookies.find((cookie) => cookie.startsWith(`passgate_access=${body.access_token};`))
    const refresh = cookies.find((cookie) => cookie.startsWith(`passgate_refresh=${body.refresh_token};`))
    expect(access).toMatch(/; Max-Age=1800;/)
    expect(refresh).toMatch(/; Max-Age=259\d{4};/) // the session's 30 days
    for (const cookie of [access!, refresh!]) {
      expect(cookie).toMatch(/; Path=\/(;|$)/)
      expect(cookie).toMatch(/; HttpOnly(;|$)/)
      expect(cookie).toMatch(/; SameSite=lax(;|$)/i)
      // Served over plain http here, so not Secure (it would never be sent back otherwise).
      expect(cookie).not.toMatch(/; Secure/i)
    }
    expect((await (await me(body.access_token)).json()).username).toBe(username)
  })

  test('multipart credentials, as the tutorial login page sends FormData, work too', async ({ user: { username } }) => {
    const form = new FormData()
    form.set('username', username)
    form.set('password', PASSWORD)
    const response = await api('/api/token', { method: 'POST', body: form })
    expect(response.status).toBe(200)
  })

  test('the username matches in any letter case', async ({ user: { username } }) => {
    expect((await requestToken(username.toUpperCase(), PASSWORD)).status).toBe(200)
  })

  test('a wrong password and an unknown user get the same 401, with WWW-Authenticate', async ({ user: { username } }) => {
    const wrong = await requestToken(username, 'not the password')
    const unknown = await requestToken(uniqueName('nobody'), 'not the password')
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
      expect(response.headers.get('set-cookie')).toBeNull()
      expect(await response.json()).toEqual(oauthError('invalid_grant', 'Incorrect username or password'))
    }
  })

  test('the right password plus extra bytes past bcrypt\'s 72 is refused, not truncated', async () => {
    const password = 'p'.repeat(72)
    const { username } = await signUp({ password })
    expect((await requestToken(username, password)).status).toBe(200)
    expect((await requestToken(username, `${password}-and-more`)).status).toBe(401)
  })

  test('a missing field is 400 invalid_request', async () => {
    const response = await api('/api/token', { method: 'POST', body: new URLSearchParams({ username: 'someone' }) })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual(oauthError('invalid_request', 'username and password are required'))
  })

  test('a NUL byte in a credential is 422 naming the field, invalid_request to OAuth2 libraries', async () => {
    const response = await requestToken('nul\u0000name', 'x')
    const body = await response.clone().json()
    await expectFieldError(response, ['body', 'username'])
    expect(body).toMatchObject({ error: 'invalid_request', error_description: `username: ${body.detail[0].msg}` })
  })

  test('an unknown grant_type is 400 unsupported_grant_type', async () => {
    const response = await api('/api/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual(oauthError('unsupported_grant_type', 'grant_type must be "password", "refresh_token", "urn:passgate:params:oauth:grant-type:mfa-otp" or "urn:passgate:params:oauth:grant-type:passkey"'))
  })

  test('JSON is 415 invalid_request: the grant is a form', async () => {
    const response = await api('/api/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x', password: 'y' }),
    })
    expect(response.status).toBe(415)
    expect(await response.json()).toEqual(oauthError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded or multipart/form-data'))
  })

  test('invalid UTF-8 in a form value is 422, not a silently altered password', async () => {
    const response = await api('/api/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=someone&password=%FF%FE',
    })
    expect(response.status).toBe(422)
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Field "password" must be UTF-8 text',
      detail: [{ loc: ['body'], msg: 'Field "password" must be UTF-8 text', type: expect.any(String) }],
    })
  })

  test('without credentials the protected routes answer 401 Not authenticated', async () => {
    for (const path of ['/api/users/me', '/api/users/me/', '/api/users/me/items']) {
      await expectNotAuthenticated(await api(path))
    }
  })
})
