import http from 'node:http'
import net from 'node:net'
import { expect, expectFieldError, expectInvalidToken, test } from '../fixtures'
import { BASE_URL, PASSWORD, api, bearer, changePassword, logIn, me, newSession, patchJson, postJson, withSql } from '../helpers'
import { startServer, waitForHealth } from '../servers'

// Personal access tokens: shown once, stored as a hash, scoped, and ended at once by deleting the
// key or disabling its user; never able to manage keys, sessions, passwords or other users.

type NewKey = { id: string; name: string; scopes: string[]; prefix: string; created_at: string; expires_at: string | null; key: string }

async function createKey(token: string, body: Record<string, unknown> = { name: 'script', scopes: ['read', 'write'] }): Promise<NewKey> {
  const response = await postJson('/api/keys', body, bearer(token))
  expect(response.status, await response.clone().text()).toBe(201)
  return response.json()
}

test('a key is shown once, listed without its value, and works as a bearer token', async ({ session: { token, username } }) => {
  const created = await createKey(token, { name: 'backup job', scopes: ['read'], expires_in_days: 30 })
  expect(created).toEqual({
    id: expect.any(String),
    name: 'backup job',
    scopes: ['read'],
    prefix: created.key.slice(0, 12),
    created_at: expect.any(String),
    expires_at: expect.any(String),
    key: expect.stringMatching(/^pgk_[A-Za-z0-9_-]{43}$/),
  })
  const days = (Date.parse(created.expires_at!) - Date.parse(created.created_at)) / 86_400_000
  expect(days).toBeCloseTo(30, 2)

  const listed = await api('/api/keys', { headers: bearer(token) })
  const text = await listed.text()
  expect(text).not.toContain(created.key)
  expect(text).not.toContain(created.key.slice(12))
  const [entry] = JSON.parse(text)
  const { key: _, ...shown } = created
  expect(entry).toEqual({ ...shown, last_used_at: null })

  const caller = await me(created.key)
  expect(caller.status).toBe(200)
  expect((await caller.json()).username).toBe(username)
  const [used] = await (await api('/api/keys', { headers: bearer(token) })).json()
  expect(Date.now() - Date.parse(used.last_used_at)).toBeLessThan(60_000)

  // At most one write a minute: a second use leaves last_used_at as it was.
  expect((await me(created.key)).status).toBe(200)
  expect((await (await api('/api/keys', { headers: bearer(token) })).json())[0].last_used_at).toBe(used.last_used_at)
})

test('a read key reads; only a write key changes notes; no key manages anything', async ({ session: { token }, admin }) => {
  const reader = await createKey(token, { name: 'reader', scopes: ['read'] })
  const writer = await createKey(token, { name: 'writer', scopes: ['write', 'read'] })
  expect(writer.scopes).toEqual(['read', 'write'])

  const denied = await postJson('/api/notes', { text: 'from a read key' }, bearer(reader.key))
  expect(denied.status).toBe(403)
  expect(denied.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="write"')
  expect(await denied.json()).toEqual({ detail: 'This token lacks the "write" scope' })
  // Refused is not used: nor is a key on a route that takes none.
  expect((await api('/api/sessions', { headers: bearer(reader.key) })).status).toBe(403)
  const listed = await (await api('/api/keys', { headers: bearer(token) })).json()
  expect(listed.find((key: { id: string }) => key.id === reader.id).last_used_at).toBeNull()

  const note = await postJson('/api/notes', { text: 'from a write key' }, bearer(writer.key))
  expect(note.status).toBe(201)
  const { id } = await note.json()
  for (const path of ['/api/notes', `/api/notes/${id}`, '/api/users/me/items']) {
    expect((await api(path, { headers: bearer(reader.key) })).status, path).toBe(200)
  }
  expect((await patchJson(`/api/notes/${id}`, { completed: true }, bearer(reader.key))).status).toBe(403)
  expect((await api(`/api/notes/${id}`, { method: 'DELETE', headers: bearer(reader.key) })).status).toBe(403)
  expect((await patchJson(`/api/notes/${id}`, { completed: true }, bearer(writer.key))).status).toBe(200)

  const adminKey = await createKey(admin.token)
  const sessionId = (await (await api('/api/sessions', { headers: bearer(token) })).json())[0].id
  const forbidden: [string, string, RequestInit][] = [
    [writer.key, '/api/keys', {}],
    [writer.key, '/api/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'more', scopes: ['read'] }) }],
    [writer.key, `/api/keys/${reader.id}`, { method: 'DELETE' }],
    [writer.key, '/api/sessions', {}],
    [writer.key, `/api/sessions/${sessionId}`, { method: 'DELETE' }],
    [writer.key, '/api/users/me/password', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ current_password: PASSWORD, new_password: 'a brand new passphrase' }) }],
    [writer.key, '/api/users/me', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ full_name: 'Script' }) }],
    [writer.key, '/api/logout', { method: 'POST' }],
    [adminKey.key, '/api/users', {}],
    [adminKey.key, '/api/audit', {}],
    [adminKey.key, `/api/users/${(await (await api('/api/users/me', { headers: bearer(token) })).json()).id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ disabled: true }) }],
  ]
  for (const [key, path, init] of forbidden) {
    const response = await api(path, { ...init, headers: { ...bearer(key), ...(init.headers as Record<string, string>) } })
    expect(response.status, `${init.method ?? 'GET'} ${path}`).toBe(403)
    expect(await response.json()).toEqual({ detail: 'A personal access token cannot be used here: sign in with a password' })
  }
  // Nothing of it happened: both keys live, the session too, the user still enabled.
  expect((await (await api('/api/keys', { headers: bearer(token) })).json()).map((key: { name: string }) => key.name)).toEqual(['reader', 'writer'])
  expect((await api('/api/users/me', { headers: bearer(token) })).status).toBe(200)
})

test('a deleted key dies at once; a password change keeps keys; disabling ends them for good', async ({ session: { id, token }, admin: { token: adminToken } }) => {
  const doomed = await createKey(token)
  const kept = await createKey(token)
  const gone = await api(`/api/keys/${doomed.id}`, { method: 'DELETE', headers: bearer(token) })
  expect(gone.status).toBe(204)
  await expectInvalidToken(await api('/api/users/me', { headers: bearer(doomed.key) }))
  expect((await api(`/api/keys/${doomed.id}`, { method: 'DELETE', headers: bearer(token) })).status).toBe(404)

  expect((await changePassword(token, PASSWORD, 'a brand new passphrase')).status).toBe(204)
  expect((await me(kept.key)).status).toBe(200)

  expect((await patchJson(`/api/users/${id}`, { disabled: true }, bearer(adminToken))).status).toBe(200)
  await expectInvalidToken(await api('/api/notes', { headers: bearer(kept.key) }))
  expect((await patchJson(`/api/users/${id}`, { disabled: false }, bearer(adminToken))).status).toBe(200)
  await expectInvalidToken(await api('/api/notes', { headers: bearer(kept.key) }))

  // The audit log names the keys by id, name and prefix, never by value.
  const audit = await (await api(`/api/audit?user_id=${id}`, { headers: bearer(adminToken) })).json()
  const kinds = audit.items.map((event: { kind: string }) => event.kind)
  expect(kinds).toEqual(expect.arrayContaining(['key_created', 'key_deleted', 'user_disabled']))
  expect(audit.items.find((event: { kind: string }) => event.kind === 'user_disabled').detail).toMatchObject({ keys_ended: 1 })
  const text = JSON.stringify(audit)
  for (const key of [doomed, kept]) {
    expect(text).toContain(key.prefix)
    expect(text).not.toContain(key.key.slice(12))
  }
})

test('made-up and malformed keys are 401, as a bad access token is', async () => {
  for (const key of ['pgk_', 'pgk_short', `pgk_${'A'.repeat(43)}`, `pgk_${'A'.repeat(44)}`, 'pgk_ünïcode']) {
    await expectInvalidToken(await me(key))
  }
})

test('an expired key is 401', async ({ session: { id, token } }) => {
  test.skip(!process.env.DATABASE_URL, 'ages a key from a second connection: PostgreSQL only')
  const expiring = await createKey(token, { name: 'short', scopes: ['read'], expires_in_days: 1 })
  expect((await me(expiring.key)).status).toBe(200)
  await withSql((sql) => sql`update api_keys set expires_at = now() - interval '1 second' where id = ${expiring.id} and user_id = ${id}`)
  await expectInvalidToken(await me(expiring.key))
})

test('key requests are validated: 422 in FastAPI shape, a bad id 404, at most 50 keys', async ({ session: { token } }) => {
  const cases: [unknown, (string | number)[]][] = [
    [{ scopes: ['read'] }, ['name']],
    [{ name: '', scopes: ['read'] }, ['name']],
    [{ name: 'x'.repeat(101), scopes: ['read'] }, ['name']],
    [{ name: 'tab\there', scopes: ['read'] }, ['name']],
    [{ name: 'deploy\u202Egnp.exe', scopes: ['read'] }, ['name']],
    [{ name: 'ok' }, ['scopes']],
    [{ name: 'ok', scopes: [] }, ['scopes']],
    [{ name: 'ok', scopes: ['write'] }, ['scopes']],
    [{ name: 'ok', scopes: ['read', 'read'] }, ['scopes']],
    [{ name: 'ok', scopes: ['admin'] }, ['scopes', 0]],
    [{ name: 'ok', scopes: ['read'], expires_in_days: 0 }, ['expires_in_days']],
    [{ name: 'ok', scopes: ['read'], expires_in_days: 366 }, ['expires_in_days']],
    [{ name: 'ok', scopes: ['read'], expires_in_days: 1.5 }, ['expires_in_days']],
  ]
  for (const [body, path] of cases) {
    await expectFieldError(await postJson('/api/keys', body, bearer(token)), ['body', ...path])
  }
  expect((await postJson('/api/keys', { name: 'ok', scopes: ['read'], user_id: 1 }, bearer(token))).status).toBe(422)
  for (const id of ['abc', '00000000-0000-0000-0000-000000000000']) {
    expect((await api(`/api/keys/${id}`, { method: 'DELETE', headers: bearer(token) })).status).toBe(404)
  }
  expect(await (await api('/api/keys', { headers: bearer(token) })).json()).toEqual([])

  await Promise.all(Array.from({ length: 50 }, (_, n) => createKey(token, { name: `key ${n}`, scopes: ['read'] })))
  const refused = await postJson('/api/keys', { name: 'one too many', scopes: ['read'] }, bearer(token))
  expect([refused.status, await refused.json()]).toEqual([409, { detail: 'You already have 50 tokens: delete one first' }])
})

test("another user's key cannot be deleted, and keys need a password session", async ({ session: owner }) => {
  const other = await newSession()
  const key = await createKey(owner.token)
  const response = await api(`/api/keys/${key.id}`, { method: 'DELETE', headers: bearer(other.token) })
  expect([response.status, await response.json()]).toEqual([404, { detail: 'Token not found' }])
  expect((await api('/api/users/me', { headers: bearer(key.key) })).status).toBe(200)
  expect((await api('/api/keys')).status).toBe(401)
})

test('failed key lookups are throttled per address before the database is asked', async () => {
  // The database is out of reach: a lookup that reached it would answer 503, not 401 or 429.
  const server = startServer(3181, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/unreachable', THROTTLE_KEY_FAILURES_PER_IP: '3' })
  try {
    await waitForHealth(server, 503)
    const call = (key: string) => fetch(`${server.url}/api/users/me`, { headers: bearer(key) })
    const wellFormed = `pgk_${'B'.repeat(43)}`
    expect((await call(wellFormed)).status).toBe(503)
    for (let n = 0; n < 3; n++) expect((await call('pgk_malformed')).status).toBe(401)
    const throttled = await call(wellFormed)
    expect(throttled.status).toBe(429)
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await throttled.json()).toEqual({ detail: expect.stringMatching(/^Too many/) })
  } finally {
    await server.stop()
  }
})

test('a key requested while its user is being disabled is never made', async ({ session: { id, token, username }, admin: { token: adminToken } }) => {
  // The request is authenticated as soon as its headers arrive; its body comes after the disable.
  const body = JSON.stringify({ name: 'late', scopes: ['read', 'write'] })
  const request = http.request(`${BASE_URL}/api/keys`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json', 'content-length': String(body.length) } })
  const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.on('response', (response) => {
      let text = ''
      response.on('data', (chunk) => (text += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, text }))
    })
    request.on('error', reject)
  })
  request.write(body.slice(0, 5))
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect((await patchJson(`/api/users/${id}`, { disabled: true }, bearer(adminToken))).status).toBe(200)
  request.end(body.slice(5))
  const { status, text } = await answered
  expect([status, JSON.parse(text)]).toEqual([401, { detail: 'Could not validate credentials' }])
  expect((await patchJson(`/api/users/${id}`, { disabled: false }, bearer(adminToken))).status).toBe(200)
  expect(await (await api('/api/keys', { headers: bearer(await logIn(username)) })).json()).toEqual([])
})

test('a burst of lookups waiting on the database is capped per address', async () => {
  // A database that accepts connections and never answers: every lookup waits.
  const silent = net.createServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const port = (silent.address() as net.AddressInfo).port
  const server = startServer(3182, { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/silent` })
  const abort = new AbortController()
  try {
    await expect.poll(async () => (await fetch(`${server.url}/api/openapi.json`).catch(() => null))?.status, { timeout: 60_000 }).toBe(200)
    const answers = Array.from({ length: 120 }, (_, n) =>
      fetch(`${server.url}/api/users/me`, { headers: bearer(`pgk_${String(n).padStart(43, 'C')}`), signal: abort.signal }).then((response) => response.status, () => 'aborted'),
    )
    const settled = await Promise.all(answers.map((answer) => Promise.race([answer, new Promise((resolve) => setTimeout(() => resolve('waiting'), 3_000))])))
    expect(settled.filter((status) => status === 429)).toHaveLength(20)
    expect(settled.filter((status) => status === 'waiting')).toHaveLength(100)
  } finally {
    abort.abort()
    await server.stop()
    silent.close()
  }
})
