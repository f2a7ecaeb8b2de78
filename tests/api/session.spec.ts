import { expect, test } from '@playwright/test'
import { SignJWT, decodeJwt } from 'jose'
import { PASSWORD, TEST_SECRET, api, bearer, expect401, logIn, newSession, requestToken, signUp } from '../helpers'

const INVALID = 'Bearer error="invalid_token"'

test.describe('signed in: /api/users/me and /api/users/me/items', () => {
  test('a bearer token reads the public user, with or without the trailing slash', async () => {
    const { id, username, token } = await newSession()
    for (const path of ['/api/users/me', '/api/users/me/']) {
      const response = await api(path, { headers: bearer(token) })
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await response.json()).toMatchObject({ id, username, role: 'user', disabled: false })
    }
  })

  test('the session cookie works as well as the bearer header', async () => {
    const { username } = await signUp()
    const login = await requestToken(username, PASSWORD)
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('passgate_access='))!.split(';')[0]!
    const response = await api('/api/users/me', { headers: { cookie } })
    expect((await response.json()).username).toBe(username)
  })

  test('items are the user\'s notes, in the tutorial\'s shape', async () => {
    const { token } = await newSession()
    const response = await api('/api/users/me/items', { headers: bearer(token) })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([])
  })
})

test.describe('tokens that must be refused', () => {
  async function forge(claims: Record<string, unknown>, options: { alg?: string; secret?: Uint8Array } = {}): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).sign(options.secret ?? TEST_SECRET)
  }

  test('tampered, expired, alg none, HS512, foreign-secret and claim-less tokens are 401 invalid_token', async () => {
    const { token } = await newSession()
    const claims = decodeJwt(token)
    const now = Math.floor(Date.now() / 1000)
    const [header, payload, signature] = token.split('.')
    const otherPayload = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url')
    const unsignedHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    const hostile: Record<string, string> = {
      'tampered payload': `${header}.${otherPayload}.${signature}`,
      'tampered signature': `${header}.${payload}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`,
      'alg none': `${unsignedHeader}.${payload}.`,
      expired: await forge({ ...claims, iat: now - 3600, exp: now - 60 }),
      'HS512 with the same secret': await forge(claims, { alg: 'HS512' }),
      'another secret': await forge(claims, { secret: new TextEncoder().encode('another secret that is long enough, 32+ bytes') }),
      'no exp': await forge({ ...claims, exp: undefined }),
      'no sid': await forge({ ...claims, sid: undefined }),
      'wrong audience': await forge({ ...claims, aud: 'someone-else' }),
      'wrong issuer': await forge({ ...claims, iss: 'someone-else' }),
      garbage: 'not.a.jwt',
    }
    // The same claims, freshly signed, are accepted: each refusal above is for its one defect.
    expect((await api('/api/users/me', { headers: bearer(await forge(claims)) })).status).toBe(200)
    for (const [name, bad] of Object.entries(hostile)) {
      await test.step(name, async () => expect401(await api('/api/users/me', { headers: bearer(bad) }), 'Could not validate credentials', INVALID))
    }
  })

  test('a well-signed token naming a session that does not exist is refused', async () => {
    const { token } = await newSession()
    const forged = await forge({ ...decodeJwt(token), sid: '00000000-0000-4000-8000-000000000000' })
    await expect401(await api('/api/users/me', { headers: bearer(forged) }), 'Could not validate credentials', INVALID)
  })
})

test.describe('sign-out: POST /api/logout', () => {
  test('ends this session at once: the same token is refused afterwards, the cookies are cleared', async () => {
    const { token } = await newSession()
    const response = await api('/api/logout', { method: 'POST', headers: bearer(token) })
    expect(response.status).toBe(204)
    const cleared = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).sort()
    expect(cleared).toEqual(['passgate_access=', 'passgate_refresh='])
    for (const cookie of response.headers.getSetCookie()) expect(cookie).toContain('Max-Age=0')
    await expect401(await api('/api/users/me', { headers: bearer(token) }), 'Could not validate credentials', INVALID)
    await expect401(await api('/api/users/me/items', { headers: bearer(token) }), 'Could not validate credentials', INVALID)
    await expect401(await api('/api/logout', { method: 'POST', headers: bearer(token) }), 'Could not validate credentials', INVALID)
  })

  test('ends only this session: the same user signed in elsewhere stays signed in', async () => {
    const { username, token } = await newSession()
    const other = await logIn(username)
    expect((await api('/api/logout', { method: 'POST', headers: bearer(token) })).status).toBe(204)
    expect((await api('/api/users/me', { headers: bearer(other) })).status).toBe(200)
  })

  test('without a token it is 401', async () => {
    await expect401(await api('/api/logout', { method: 'POST' }), 'Not authenticated', 'Bearer')
  })
})

test('GET /api/health reports the database', async () => {
  const response = await api('/api/health')
  expect(response.status).toBe(200)
  expect(await response.json()).toEqual({ status: 'ok', database: 'ok', schema: 'current' })
})
