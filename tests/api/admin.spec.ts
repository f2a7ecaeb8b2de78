import fs from 'node:fs'
import path from 'node:path'
import { expect, expectFieldError, expectInactiveUser, expectRefreshRefused, test } from '../fixtures'
import {
  PASSWORD,
  api,
  bearer,
  changePassword,
  enrolTotp,
  lockOut,
  logIn,
  logOut,
  newDatabase,
  patchJson,
  postJson,
  refreshGrant,
  requestToken,
  signUp,
  uniqueName,
  withSql,
} from '../helpers'
import { freshDataDir, runCommand, startServer, waitForHealth } from '../servers'
import { acquireStoreLock } from '../../lib/platform/store-lock'

// The operator's console over the API: roles, the directory, admin actions, and the audit log.

const onPostgres = Boolean(process.env.DATABASE_URL)

type Entry = { id: number; username: string; email: string | null; role: string; disabled: boolean; last_login_at: string | null; live_sessions: number; locked: boolean }
type AuditItem = { id: number; at: string; kind: string; actor_id: number | null; actor: string | null; target_id: number | null; target: string | null; ip: string | null; user_agent: string | null; detail: Record<string, unknown> }

const get = (pathname: string, token: string) => api(pathname, { headers: bearer(token) })
const del = (pathname: string, token: string) => api(pathname, { method: 'DELETE', headers: bearer(token) })

async function directory(token: string, query = ''): Promise<{ items: Entry[]; next_cursor: string | null }> {
  const response = await get(`/api/users${query}`, token)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json()
}

async function audit(token: string, query: string): Promise<{ items: AuditItem[]; next_cursor: string | null }> {
  const response = await get(`/api/audit${query}`, token)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json()
}

test('every admin endpoint answers 401 signed out and 403 to a plain user', async ({ session: { token } }) => {
  const { id } = await signUp()
  for (const [method, pathname] of [
    ['GET', '/api/users'],
    ['PATCH', `/api/users/${id}`],
    ['DELETE', `/api/users/${id}/sessions`],
    ['DELETE', `/api/users/${id}/lockout`],
    ['GET', '/api/audit'],
  ] as const) {
    const body = method === 'PATCH' ? JSON.stringify({ disabled: true }) : undefined
    const headers = { 'content-type': 'application/json' }
    expect((await api(pathname, { method, headers, body })).status, `${method} ${pathname} signed out`).toBe(401)
    const plain = await api(pathname, { method, headers: { ...headers, ...bearer(token) }, body })
    expect(plain.status, `${method} ${pathname} as a plain user`).toBe(403)
    expect(await plain.json()).toEqual({ detail: 'Admins only' })
  }
  expect((await get('/api/users/me', token)).status).toBe(200) // and nothing happened to anyone
})

test('sign-up always makes a plain user, whatever the body says', async () => {
  const username = uniqueName()
  const response = await postJson('/api/users', { username, password: PASSWORD, role: 'admin' })
  expect(response.status).toBe(200)
  expect((await response.json()).role).toBe('user')
})

test.describe('the directory', () => {
  test('searches usernames and emails in any letter case, newest first, with last login and live sessions', async ({ admin }) => {
    const tag = uniqueName('dir')
    const older = await signUp({ username: `${tag}_a`, email: `${tag}.Older@Example.com` })
    const newer = await signUp({ username: `${tag}_B` })
    await logIn(newer.username)
    await logIn(newer.username)
    const found = await directory(admin.token, `?q=${tag.toUpperCase()}`)
    expect(found.items.map((user) => user.username)).toEqual([newer.username, older.username])
    const [first, second] = found.items
    expect(first).toMatchObject({ live_sessions: 2, locked: false, role: 'user', disabled: false })
    expect(Date.parse(first!.last_login_at!)).toBeGreaterThan(Date.now() - 60_000)
    expect(second).toMatchObject({ live_sessions: 0, last_login_at: null })
    expect((await directory(admin.token, `?q=${encodeURIComponent(`${tag}.older@EXAMPLE`)}`)).items.map((user) => user.id)).toEqual([older.id])
    // LIKE's own characters are taken literally.
    expect((await directory(admin.token, `?q=${encodeURIComponent(`${tag}%`)}`)).items).toEqual([])
  })

  test('pages by cursor without gaps or repeats', async ({ admin }) => {
    test.setTimeout(60_000)
    const tag = uniqueName('page')
    const made = await Promise.all(Array.from({ length: 53 }, (_, i) => signUp({ username: `${tag}_${i}` })))
    const first = await directory(admin.token, `?q=${tag}`)
    expect(first.items).toHaveLength(50)
    expect(first.next_cursor).not.toBeNull()
    const second = await directory(admin.token, `?q=${tag}&cursor=${first.next_cursor}`)
    expect(second.next_cursor).toBeNull()
    const ids = [...first.items, ...second.items].map((user) => user.id)
    expect(ids).toEqual(made.map((user) => user.id).sort((a, b) => b - a))
    await expectFieldError(await get('/api/users?cursor=abc', admin.token), ['query', 'cursor'])
  })
})

test.describe('admin actions', () => {
  test('disabling ends every session for good: enabling again brings none back', async ({ admin, user }) => {
    const login = await (await requestToken(user.username, PASSWORD)).json()
    const disable = await patchJson(`/api/users/${user.id}`, { disabled: true }, bearer(admin.token))
    expect(disable.status).toBe(200)
    expect(await disable.json()).toMatchObject({ id: user.id, disabled: true, live_sessions: 0 })
    expect((await get('/api/users/me', login.access_token)).status).toBe(401)
    await expectInactiveUser(await requestToken(user.username, PASSWORD))
    expect((await patchJson(`/api/users/${user.id}`, { disabled: false }, bearer(admin.token))).status).toBe(200)
    expect((await get('/api/users/me', login.access_token)).status).toBe(401)
    await expectRefreshRefused(await refreshGrant(login.refresh_token))
    expect((await requestToken(user.username, PASSWORD)).status).toBe(200) // signs in afresh
  })

  test('disabling during a login storm leaves no live session', async ({ admin, user }) => {
    let disabledAt = Infinity
    const tokens: string[] = []
    const storm = async () => {
      for (;;) {
        const response = await requestToken(user.username, PASSWORD)
        if (response.status === 200) tokens.push(((await response.json()) as { access_token: string }).access_token)
        else await response.body?.cancel()
        if (Date.now() > disabledAt) return
      }
    }
    const loops = Array.from({ length: 4 }, storm)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect((await patchJson(`/api/users/${user.id}`, { disabled: true }, bearer(admin.token))).status).toBe(200)
    disabledAt = Date.now()
    await Promise.all(loops)
    expect(tokens.length).toBeGreaterThan(0)
    expect((await patchJson(`/api/users/${user.id}`, { disabled: false }, bearer(admin.token))).status).toBe(200)
    for (const token of tokens) expect((await get('/api/users/me', token)).status).toBe(401)
    const [entry] = (await directory(admin.token, `?q=${user.username}`)).items
    expect(entry!.live_sessions).toBe(0)
  })

  test('roles: make admin, make user; an admin cannot disable or demote themselves', async ({ admin, user }) => {
    const userToken = await logIn(user.username)
    expect((await get('/api/users', userToken)).status).toBe(403)
    expect(await (await patchJson(`/api/users/${user.id}`, { role: 'admin' }, bearer(admin.token))).json()).toMatchObject({ role: 'admin' })
    expect((await get('/api/users', userToken)).status).toBe(200) // the next request already knows
    expect((await patchJson(`/api/users/${user.id}`, { role: 'user' }, bearer(admin.token))).status).toBe(200)
    expect((await get('/api/users', userToken)).status).toBe(403)
    for (const change of [{ disabled: true }, { role: 'user' }]) {
      const self = await patchJson(`/api/users/${admin.id}`, change, bearer(admin.token))
      expect(self.status).toBe(409)
      expect(await self.json()).toEqual({ detail: 'You cannot disable or demote yourself: ask another admin.' })
    }
    expect((await patchJson(`/api/users/${user.id}`, { role: 'owner' }, bearer(admin.token))).status).toBe(422)
    expect((await patchJson(`/api/users/${user.id}`, { username: 'x' }, bearer(admin.token))).status).toBe(422)
    expect((await patchJson(`/api/users/${user.id}`, {}, bearer(admin.token))).status).toBe(422)
    expect((await patchJson('/api/users/2147483647', { disabled: true }, bearer(admin.token))).status).toBe(404)
    expect((await patchJson('/api/users/abc', { disabled: true }, bearer(admin.token))).status).toBe(404)
  })

  test('ending all of a user\'s sessions signs out every device', async ({ admin, user }) => {
    const [one, two] = [await logIn(user.username), await logIn(user.username)]
    expect((await del(`/api/users/${user.id}/sessions`, admin.token)).status).toBe(204)
    for (const token of [one, two]) expect((await get('/api/users/me', token)).status).toBe(401)
    expect((await del('/api/users/2147483647/sessions', admin.token)).status).toBe(404)
  })

  test('an admin lifts the 100-failure lock-out', async ({ admin, user }) => {
    test.skip(!onPostgres, 'writes the failure count through a second connection')
    await lockOut(user.username)
    expect((await requestToken(user.username, PASSWORD)).status).toBe(400)
    expect((await directory(admin.token, `?q=${user.username}`)).items[0]!.locked).toBe(true)
    expect((await del(`/api/users/${user.id}/lockout`, admin.token)).status).toBe(204)
    expect((await directory(admin.token, `?q=${user.username}`)).items[0]!.locked).toBe(false)
    expect((await requestToken(user.username, PASSWORD)).status).toBe(200)
  })
})

test.describe('the audit log', () => {
  test('records each security event with who, whom and from where, and never the password', async ({ admin }) => {
    const password = 'an audited passphrase 4417'
    const username = uniqueName('audited')
    expect((await postJson('/api/users', { username, password }, { 'user-agent': 'audit-test/1.0' })).status).toBe(200)
    expect((await postJson('/api/users', { username, password })).status).toBe(409) // no second sign-up row
    expect((await requestToken(username, `${password}-wrong`)).status).toBe(401)
    const nobody = uniqueName('nobody')
    expect((await requestToken(nobody, password)).status).toBe(401)
    const tokens = await (await requestToken(username, password)).json()
    const renewed = await (await refreshGrant(tokens.refresh_token)).json()
    const other = await (await requestToken(username, password)).json()
    expect((await api(`/api/sessions/${JSON.parse(atob(other.access_token.split('.')[1])).sid}`, { method: 'DELETE', headers: bearer(renewed.access_token) })).status).toBe(204)
    const newPassword = 'another audited passphrase 9'
    expect((await changePassword(renewed.access_token, password, newPassword)).status).toBe(204)
    expect((await logOut(renewed.access_token)).status).toBe(204)
    const [user] = (await directory(admin.token, `?q=${username}`)).items
    expect((await patchJson(`/api/users/${user!.id}`, { disabled: true }, bearer(admin.token))).status).toBe(200)

    const { items } = await audit(admin.token, `?user_id=${user!.id}`)
    expect(items.map((item) => item.kind).reverse()).toEqual([
      'signed_up',
      'login_failed',
      'login_succeeded',
      'token_refreshed',
      'login_succeeded',
      'session_ended',
      'password_changed',
      'logout',
      'user_disabled',
    ])
    const byKind = (kind: string) => items.find((item) => item.kind === kind)!
    expect(byKind('signed_up')).toMatchObject({ actor: username, target: username, ip: '127.0.0.1', user_agent: 'audit-test/1.0' })
    expect(byKind('login_failed').detail).toMatchObject({ username, reason: 'invalid_credentials' })
    expect(byKind('password_changed').detail).toEqual({ sessions_ended: 0 })
    expect(byKind('user_disabled')).toMatchObject({ actor_id: admin.id, actor: admin.username, target: username })
    // A failed login for a name nobody has keeps only the name's fingerprint (the same each time,
    // so a spray over one name shows): the name may be a password typed into the wrong field.
    const misplaced = `${password} typed as the name`
    const agent = { 'user-agent': `fingerprint-test ${Date.now()}` }
    for (const name of [nobody, misplaced, nobody.toUpperCase()]) expect((await requestToken(name, password, agent)).status).toBe(401)
    const failures = await audit(admin.token, '?kind=login_failed')
    const fingerprints = failures.items.filter((item) => item.user_agent === agent['user-agent']).map((item) => item.detail.unknown_username).reverse()
    expect(fingerprints).toHaveLength(3)
    expect(fingerprints.every((value) => typeof value === 'string' && /^[A-Za-z0-9_-]{22}$/.test(value))).toBe(true)
    expect(fingerprints[0], 'one name in any letter case, one fingerprint').toBe(fingerprints[2])
    expect(fingerprints[1]).not.toBe(fingerprints[0])
    expect(JSON.stringify([items, failures])).not.toContain('passphrase')
    expect(JSON.stringify(failures.items.filter((item) => item.user_agent === agent['user-agent'])).toLowerCase()).not.toContain(nobody.toLowerCase())
  })

  test('filters by kind and pages by cursor; a bad filter is 422', async ({ admin }) => {
    const first = await audit(admin.token, '?kind=signed_up')
    expect(first.items.length).toBeGreaterThan(0)
    expect(first.items.every((item) => item.kind === 'signed_up')).toBe(true)
    if (first.next_cursor !== null) {
      const next = await audit(admin.token, `?kind=signed_up&cursor=${first.next_cursor}`)
      expect(next.items[0]!.id).toBeLessThan(first.items.at(-1)!.id)
    }
    await expectFieldError(await get('/api/audit?kind=everything', admin.token), ['query', 'kind'])
  })

  test('rows older than AUDIT_RETENTION_DAYS are deleted as logins come', async () => {
    test.skip(!onPostgres, 'writes an old row through a second connection')
    await withSql(async (sql) => {
      const [old] = await sql`insert into audit_events (at, kind) values (now() - interval '366 days', 'login_failed') returning id`
      await logIn((await signUp()).username)
      expect(await sql`select 1 from audit_events where id = ${old!.id}`).toHaveLength(0)
    })
  })
})

test('on a fresh database: the first admin from the terminal, user:promote, and the last-admin rule', async () => {
  test.setTimeout(120_000)
  const name = `passgate_admin_${Date.now()}`
  let env: Record<string, string> = {}
  if (onPostgres) {
    env = await newDatabase(name)
    const migrated = await runCommand('migrate', [], env)
    expect(migrated.code, migrated.output).toBe(0)
  } else {
    env.DATA_DIR = freshDataDir('admin')
  }
  const cli = (script: string, ...args: string[]) => runCommand(script, args, { ...env, PASSWORD })
  try {
    expect((await cli('user-create', 'first_admin', '--admin')).code).toBe(0)
    expect((await cli('user-create', 'second_user')).code).toBe(0)
    const demoteLast = await cli('user-promote', 'first_admin', '--demote')
    expect(demoteLast.code).toBe(1)
    expect(demoteLast.output).toContain('This is the last enabled admin: make another user admin first.')
    expect(await cli('user-promote', 'second_user')).toMatchObject({ code: 0, output: expect.stringContaining('"second_user" is now an admin.') })
    expect((await cli('user-promote', 'nobody_here')).code).toBe(1)

    const server = startServer(3171, env)
    try {
      await waitForHealth(server)
      const first = await logIn('first_admin', PASSWORD, server.url)
      const second = await logIn('second_user', PASSWORD, server.url)
      const users = ((await (await fetch(`${server.url}/api/users`, { headers: bearer(first) })).json()) as { items: Entry[] }).items
      const id = (username: string) => users.find((user) => user.username === username)!.id
      // Two admins: one may demote the other, and then the one left is the last.
      expect((await patchJson(`/api/users/${id('second_user')}`, { role: 'user' }, bearer(first), server.url)).status).toBe(200)
      expect((await patchJson(`/api/users/${id('first_admin')}`, { disabled: true }, bearer(second), server.url)).status).toBe(403)
      const promoted = await cli('user-promote', 'second_user')
      if (!onPostgres) expect(promoted.code).toBe(1) // the embedded store has one owner: the server
      else {
        expect(promoted.code).toBe(0)
        const last = await patchJson(`/api/users/${id('first_admin')}`, { disabled: true }, bearer(second), server.url)
        expect(last.status).toBe(200) // two enabled admins: allowed
        const again = await patchJson(`/api/users/${id('second_user')}`, { role: 'user' }, bearer(second), server.url)
        expect(again.status).toBe(409)
      }
    } finally {
      await server.stop()
    }
  } finally {
    if (onPostgres) await withSql((sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
  }
})

test('an admin locked out of their second factor recovers from the terminal: user:recover sets a new password and removes it', async () => {
  test.setTimeout(120_000)
  const name = `passgate_recover_${Date.now()}`
  let env: Record<string, string> = {}
  if (onPostgres) {
    env = await newDatabase(name)
    expect((await runCommand('migrate', [], env)).code).toBe(0)
  } else {
    env.DATA_DIR = freshDataDir('recover')
  }
  const newPassword = 'a brand new passphrase 42'
  try {
    expect((await runCommand('user-create', ['lost_phone', '--admin'], { ...env, PASSWORD })).code).toBe(0)
    let server = startServer(3172, env)
    await waitForHealth(server)
    const token = await logIn('lost_phone', PASSWORD, server.url)
    await enrolTotp(token, server.url)
    expect((await requestToken('lost_phone', PASSWORD, {}, server.url)).status).toBe(403) // mfa_required
    // A reset link never reaches an admin, by mail or from another admin: the terminal is the way.
    await server.stop()

    expect((await runCommand('user-recover', ['nobody_here'], { ...env, PASSWORD: newPassword })).code).toBe(1)
    const recovered = await runCommand('user-recover', ['lost_phone', '--second-factor'], { ...env, PASSWORD: newPassword })
    expect(recovered.code, recovered.output).toBe(0)
    expect(recovered.output).toContain('Their second factor was removed')
    expect(recovered.output).not.toContain(newPassword)

    server = startServer(3172, env)
    await waitForHealth(server)
    expect((await requestToken('lost_phone', PASSWORD, {}, server.url)).status).toBe(401)
    const after = await logIn('lost_phone', newPassword, server.url)
    expect((await api('/api/users/me', { headers: bearer(token) }, server.url)).status).toBe(401) // the old session ended
    const me = (await (await api('/api/users/me', { headers: bearer(after) }, server.url)).json()) as { role: string; mfa: { totp: boolean } }
    expect(me).toMatchObject({ role: 'admin', mfa: { totp: false } })
    await server.stop()
  } finally {
    if (onPostgres) await withSql((sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
  }
})

test('a production build never makes a first admin from the page, even with no admin at all', async () => {
  // A server of its own on a database without an admin. Once, on PostgreSQL: production mode
  // comes from the build, not the store, and a fresh embedded store takes ten seconds to make.
  test.skip(!onPostgres, 'the same test as in the PostgreSQL run: production mode does not depend on the store')
  test.setTimeout(90_000)
  const name = `passgate_no_admin_${Date.now()}`
  const env = await newDatabase(name)
  try {
    expect((await runCommand('migrate', [], env)).code).toBe(0)
    // NODE_ENV=development in the environment changes nothing: the build says production.
    const server = startServer(3239, { ...env, NODE_ENV: 'development' })
    try {
      await waitForHealth(server)
      const user = await signUp({}, server.url)
      const token = await logIn(user.username, PASSWORD, server.url)
      const refused = await api('/api/dev/first-admin', { method: 'POST', headers: bearer(token) }, server.url)
      expect(refused.status).toBe(404)
      expect(await refused.json()).toEqual({ detail: 'Only a development server makes its first admin this way: run `npm run user:promote -- <username>`.' })
      const page = await fetch(`${server.url}/admin`, { headers: { cookie: `passgate_access=${token}` } })
      expect(page.status).toBe(200)
      const html = await page.text()
      expect(html).toContain(user.username)
      expect(html).not.toContain('Make me the admin')
      expect((await (await api('/api/users/me', { headers: bearer(token) }, server.url)).json()).role).toBe('user')
    } finally {
      await server.stop()
    }
  } finally {
    await withSql((sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
  }
})

test('user:promote while a server holds the embedded store says in plain words what to do instead', async () => {
  const dataDir = freshDataDir('held')
  // This test process holds the store, as `npm run dev` would.
  const release = await acquireStoreLock(path.join(dataDir, 'pglite'))
  try {
    const refused = await runCommand('user-promote', ['someone'], { DATA_DIR: dataDir, DATABASE_URL: '' })
    expect(refused.code).toBe(1)
    expect(refused.output).not.toContain('StoreLockedError')
    expect(refused.output).toContain(`Working on the embedded store in ${path.join(dataDir, 'pglite')}.\n`)
    expect(refused.output).toMatch(/The embedded database in .* is in use by process \d+ .*Stop that process first, or set DATABASE_URL/)
    expect(refused.output).toContain('To make the first admin while `npm run dev` runs, use the browser: sign in, open /admin and choose "Make me the admin"')
  } finally {
    release()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
})
