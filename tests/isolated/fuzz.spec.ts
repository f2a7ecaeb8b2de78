import fc from 'fast-check'
import postgres from 'postgres'
import { expectDocumented } from '../contract'
import { expect, test } from '../fixtures'
import { BASE_URL, bearer, directDatabaseUrl, postJson } from '../helpers'

// Property-based: random and hostile bodies, headers and tokens at every endpoint. Whatever comes
// in, the answer is never a 5xx; every error is JSON with a `detail`; every answer is what
// /api/openapi.json documents; and a rejected request writes no row (counted on PostgreSQL, with
// nothing else running: this project runs alone). Failed logins do write throttle counters, by
// design; users, sessions, notes and keys are counted.

const endpoints: [string, string][] = [
  ['POST', '/api/token'],
  ['POST', '/api/users'],
  ['GET', '/api/users/me'],
  ['PATCH', '/api/users/me'],
  ['POST', '/api/users/me/password'],
  ['POST', '/api/logout'],
  ['GET', '/api/sessions'],
  ['DELETE', '/api/sessions/00000000-0000-4000-8000-000000000000'],
  ['GET', '/api/users/me/items'],
  ['GET', '/api/token/renew'],
  ['GET', '/api/health'],
  ['PUT', '/api/no-such-thing'],
  ['GET', '/api/notes'],
  ['POST', '/api/notes'],
  ['PATCH', '/api/notes/1'],
  ['DELETE', '/api/notes/2147483647'],
  ['GET', '/api/keys'],
  ['POST', '/api/keys'],
  ['DELETE', '/api/keys/00000000-0000-4000-8000-000000000000'],
  ['GET', '/api/openapi.json'],
  ['POST', '/api/password-reset'],
  ['POST', '/api/password-reset/confirm'],
  ['POST', '/api/email-verification/confirm'],
  ['POST', '/api/users/me/email-verification'],
  ['POST', '/api/users/1/reset-link'],
  ['DELETE', '/api/users/1/mfa'],
  ['POST', '/api/dev/first-admin'],
  ['POST', '/api/users/me/mfa/totp'],
  ['DELETE', '/api/users/me/mfa/totp'],
  ['POST', '/api/users/me/mfa/totp/confirm'],
  ['POST', '/api/users/me/mfa/recovery-codes'],
  ['POST', '/api/users/me/reauth'],
]

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }), // lone surrogates, NUL, control characters
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', '\u0000', '\ud800', 'a'.repeat(300), '../../etc/passwd', "' or 1=1 --", '<script>', 'admin', '{}', '%FF', '123456', 'urn:passgate:params:oauth:grant-type:mfa-otp'),
)
const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 })

const fieldNames = ['username', 'password', 'email', 'full_name', 'grant_type', 'refresh_token', 'current_password', 'new_password', 'role', 'text', 'completed', 'name', 'scopes', 'expires_in_days', 'token', 'otp', 'mfa_token']
const hostileObject = fc.dictionary(fc.constantFrom(...fieldNames), fc.oneof(hostileText, fc.integer(), fc.boolean(), fc.constant(null), fc.array(hostileText, { maxLength: 3 })))

const body = fc.oneof(
  hostileObject.map((value) => ({ type: 'application/json', data: JSON.stringify(value) as string | Uint8Array<ArrayBuffer> })),
  fc.json().map((data) => ({ type: 'application/json', data })),
  hostileObject.map((value) => ({
    type: 'application/x-www-form-urlencoded',
    data: new URLSearchParams(Object.entries(value).map(([key, item]) => [key, String(item)])).toString(),
  })),
  fc.uint8Array({ maxLength: 200 }).map((data) => ({ type: 'application/json', data: new Uint8Array(data) as string | Uint8Array<ArrayBuffer> })),
  fc.record({ type: fc.oneof(ascii, fc.constantFrom('multipart/form-data; boundary=x', 'text/plain', 'application/xml')), data: hostileText }),
)

const token = fc.oneof(
  ascii,
  fc.tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 43 })).map((parts) => parts.join('.')),
  fc.constantFrom('eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', '00000000-0000-4000-8000-000000000000.0.' + 'A'.repeat(43), 'pgk_', `pgk_${'A'.repeat(43)}`),
  fc.base64String({ minLength: 40, maxLength: 48 }).map((value) => `pgk_${value}`),
)

const request = fc.record({
  endpoint: fc.constantFrom(...endpoints),
  method: fc.option(fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'), { nil: undefined }),
  body: fc.option(body, { nil: undefined }),
  authorization: fc.option(fc.oneof(token.map((value) => `Bearer ${value}`), ascii), { nil: undefined }),
  cookie: fc.option(fc.tuple(token, token).map(([access, refresh]) => `passgate_access=${access}; passgate_refresh=${refresh}`), { nil: undefined }),
  origin: fc.option(fc.constantFrom('http://evil.example', 'null', BASE_URL), { nil: undefined }),
  // `?next=` where a path takes one (/api/token/renew): any text, '/日本', '//evil.example', ...
  next: fc.option(fc.oneof(hostileText, hostileText.map((text) => `/${text}`), fc.constantFrom('/日本', '//evil.example', '/\\evil', '/%0d%0aSet-Cookie:x', '/.//evil.example', '/%2e%2e//evil.example')), { nil: undefined }),
})

test('no input makes any endpoint fail with a 5xx, answer without a detail, or write a rejected row', async ({ session }) => {
  test.setTimeout(180_000)
  const sql = process.env.DATABASE_URL ? postgres(directDatabaseUrl(), { max: 1, onnotice: () => {} }) : null
  const count = async () =>
    sql === null
      ? null
      : (await sql`select (select count(*) from users)::int as users, (select count(*) from sessions)::int as sessions, (select count(*) from notes)::int as notes, (select count(*) from api_keys)::int as keys`)[0]!
  // One real session (the `session` fixture) and one real key, so that some requests reach the
  // handlers' signed-in paths.
  const real = session.token
  const { key } = await (await postJson('/api/keys', { name: 'fuzz', scopes: ['read', 'write'] }, bearer(real))).json()
  const before = await count()
  const created = { users: 0, sessions: 0, notes: 0, keys: 0 }
  let signedIn = 0
  try {
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), fc.boolean(), async (input, useRealToken, asKey) => {
        const [defaultMethod, path] = input.endpoint
        const method = input.method ?? defaultMethod
        const headers: Record<string, string> = {}
        if (input.body !== undefined && method !== 'GET') headers['content-type'] = input.body.type
        // The real token reaches the signed-in paths; it is kept away from those that would end
        // its session, so later runs still get past authentication.
        const mayEndSession = path === '/api/logout' || path.startsWith('/api/sessions/')
        if (input.authorization !== undefined) headers.authorization = useRealToken && !mayEndSession ? `Bearer ${asKey ? key : real}` : input.authorization
        if (input.cookie !== undefined) headers.cookie = input.cookie
        // A valid access cookie takes /api/token/renew to the redirect that carries `next`.
        if (path === '/api/token/renew' && useRealToken) headers.cookie = `passgate_access=${real}`
        if (input.origin !== undefined) headers.origin = input.origin
        const query = input.next === undefined ? '' : `?${new URLSearchParams({ next: input.next })}`
        const response = await fetch(BASE_URL + path + query, {
          method,
          headers,
          body: method === 'GET' || input.body === undefined ? undefined : input.body.data,
          redirect: 'manual',
        })
        const text = await response.clone().text()
        expect(response.status, `${method} ${path} -> ${response.status} ${text}`).toBeLessThan(500)
        await expectDocumented(BASE_URL, method, BASE_URL + path, response)
        if (response.status >= 400) {
          expect(response.headers.get('content-type')).toContain('application/json')
          expect(JSON.parse(text)).toHaveProperty('detail')
        }
        if (response.status === 200 && method === 'POST' && path === '/api/users') created.users++
        if (response.status === 200 && method === 'POST' && path === '/api/token') created.sessions++
        if (response.status === 201 && method === 'POST' && path === '/api/notes') created.notes++
        if (response.status === 201 && method === 'POST' && path === '/api/keys') created.keys++
        if (useRealToken && !mayEndSession) signedIn += response.status === 401 ? 0 : 1
        if (response.status === 303) expect(response.headers.get('location')).toMatch(/^\/(?![/\\])/) // only ever a path here
      }),
      { numRuns: 400 },
    )
    expect(signedIn).toBeGreaterThan(0) // the signed-in paths were exercised, not only 401s
    const after = await count()
    if (before !== null && after !== null) {
      expect({ users: after.users - before.users, sessions: after.sessions - before.sessions, notes: after.notes - before.notes, keys: after.keys - before.keys }).toEqual(created)
    }
  } finally {
    await sql?.end()
  }
})
