import { SignJWT, decodeJwt } from 'jose'
import { expect, expectCookiesCleared, expectInvalidToken, expectNotAuthenticated, test } from '../fixtures'
import { TEST_SECRET, api, bearer, cookiePair, liveSessions, logIn, logOut, me, requestToken } from '../helpers'
import { startServer, testPort, waitForHealth } from '../servers'

test.describe('signed in: /api/users/me and /api/users/me/items', () => {
  test('a bearer token reads the public user, with or without the trailing slash', async ({ session: { id, username, token } }) => {
    for (const path of ['/api/users/me', '/api/users/me/']) {
      const response = await api(path, { headers: bearer(token) })
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await response.json()).toMatchObject({ id, username, role: 'user', disabled: false })
    }
  })

  test('the session cookie works as well as the bearer header', async ({ user }) => {
    const cookie = cookiePair(await requestToken(user.username, user.password), 'passgate_access')
    const response = await api('/api/users/me', { headers: { cookie } })
    expect((await response.json()).username).toBe(user.username)
  })

  test('items are the user\'s notes, in the tutorial\'s shape', async ({ session: { token } }) => {
    const response = await api('/api/users/me/items', { headers: bearer(token) })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([])
  })
})

test.describe('tokens that must be refused', () => {
  async function forge(claims: Record<string, unknown>, options: { alg?: string; secret?: Uint8Array } = {}): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).sign(options.secret ?? TEST_SECRET)
  }

  test('tampered, expired, alg none, HS512, foreign-secret and claim-less tokens are 401 invalid_token', async ({ session: { token } }) => {
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
    expect((await me(await forge(claims))).status).toBe(200)
    for (const [name, bad] of Object.entries(hostile)) {
      await test.step(name, async () => expectInvalidToken(await me(bad)))
    }
  })

  test('a well-signed token naming a session that does not exist is refused', async ({ session: { token } }) => {
    const forged = await forge({ ...decodeJwt(token), sid: '00000000-0000-4000-8000-000000000000' })
    await expectInvalidToken(await me(forged))
  })
})

test.describe('sign-out: POST /api/logout', () => {
  test('ends this session at once: the same token is refused afterwards, the cookies are cleared', async ({ session: { token } }) => {
    const response = await logOut(token)
    expect(response.status).toBe(204)
    expectCookiesCleared(response)
    await expectInvalidToken(await me(token))
    await expectInvalidToken(await api('/api/users/me/items', { headers: bearer(token) }))
    await expectInvalidToken(await logOut(token))
  })

  test('ends only this session: the same user signed in elsewhere stays signed in', async ({ session: { username, token } }) => {
    const other = await logIn(username)
    expect((await logOut(token)).status).toBe(204)
    expect((await me(other)).status).toBe(200)
  })

  test('without a token it is 401', async () => {
    await expectNotAuthenticated(await api('/api/logout', { method: 'POST' }))
  })
})

test('GET /api/health reports the database', async () => {
  const response = await api('/api/health')
  expect(response.status).toBe(200)
  expect(await response.json()).toEqual({ status: 'ok', database: 'ok', schema: 'current' })
})

test('a session signed in over the IPv6 loopback lists its address as ::1', async ({ user }) => {
  // A server of its own on every address (no --hostname, no HOSTNAME), sharing the suite's
  // database: once, on PostgreSQL, where it starts in a second.
  test.skip(!process.env.DATABASE_URL, 'the same test as in the PostgreSQL run: the address does not depend on the store')
  const server = startServer(3238, { PORT: String(testPort(3238)), HOSTNAME: '' }, 'npm-start', { flags: false })
  try {
    await waitForHealth(server)
    const token = await logIn(user.username, user.password, `http://[::1]:${testPort(3238)}`)
    expect((await liveSessions(token)).map((session) => session.ip)).toEqual(['::1'])
  } finally {
    await server.stop()
  }
})
