import { expect, expectInvalidToken, expectNotAuthenticated, test } from '../fixtures'
import {
  PASSWORD,
  type MfaStatus,
  type ProvenSession,
  api,
  bearer,
  enrolTotp,
  liveSessions,
  logIn,
  logOut,
  me,
  patchJson,
  postJson,
  reauth,
  refreshGrant,
  requestToken,
  signUp,
  uniqueName,
  verifiedUser,
} from '../helpers'
import { mailsTo, uniqueEmail, waitForMail } from '../mailbox'
import { type ExtraServer, freshDataDir, runCommand, startServer, waitForHealth } from '../servers'

// Step-up: what changes an account's credentials or another account needs a recent sign-in
// (REAUTH_MAX_AGE_MINUTES; RFC 9470's challenge when it is too old), admins' accounts are never
// reset by link or mail, and MFA_REQUIRED holds users back until they set up a second factor.
// Each on a server of its own with that setting.

/** 0.05 minutes: 3 s, short enough to wait out, long enough for a step-up and the request after it. */
const MAX_AGE_SECONDS = 3
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Waits until every session made so far is older than the limit. */
const waitPastMaxAge = () => sleep(MAX_AGE_SECONDS * 1000 + 500)

// The file's servers, one at a time, share one store: the suite's PostgreSQL database, or one new
// embedded store (made and migrated once: that takes 10 to 30 s). Its admins are made from the
// terminal before any server holds it (the embedded store has one owner).
const ROOT = uniqueName('step_up_root') // promotes users on the server with a short REAUTH_MAX_AGE_MINUTES
const UNENROLLED_ADMIN = uniqueName('unenrolled_admin') // the admin whom MFA_REQUIRED holds back
let store: Record<string, string> = {}

test.beforeAll(async () => {
  test.setTimeout(120_000)
  store = process.env.DATABASE_URL ? {} : { DATA_DIR: freshDataDir('step-up') }
  for (const admin of [ROOT, UNENROLLED_ADMIN]) {
    const made = await runCommand('user-create', [admin, '--admin'], { ...store, PASSWORD })
    expect(made.code, made.output).toBe(0)
  }
})

async function startOwnServer(port: number, settings: Record<string, string>): Promise<ExtraServer> {
  const server = startServer(port, { ...store, ...settings })
  await waitForHealth(server)
  return server
}

/** A request as [method, path, JSON body]. */
type Call = [method: string, path: string, body?: unknown]

/** One JSON request of `token` to `server`. */
function send(server: ExtraServer, token: string, [method, path, body]: Call): Promise<Response> {
  const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' }
  return api(path, { method, headers: { ...bearer(token), ...json }, body: body === undefined ? undefined : JSON.stringify(body) }, server.url)
}

async function expectReauthRequired(response: Response, where = ''): Promise<void> {
  expect(response.status, `${where} ${await response.clone().text()}`).toBe(403)
  expect(response.headers.get('www-authenticate'), where).toBe(
    `Bearer error="insufficient_user_authentication", error_description="A more recent sign-in is required", max_age="${MAX_AGE_SECONDS}"`,
  )
  expect(await response.json(), where).toEqual({ error: 'reauth_required', detail: expect.stringMatching(/^Confirm it is you to do this: enter your password/), max_age: MAX_AGE_SECONDS })
}

async function currentSession(token: string, server: ExtraServer): Promise<ProvenSession> {
  return ((await liveSessions(token, server.url)) as ProvenSession[]).find((session) => session.current)!
}

test.describe(`a sign-in older than REAUTH_MAX_AGE_MINUTES (${MAX_AGE_SECONDS} s here)`, () => {
  let server: ExtraServer

  test.beforeAll(async () => {
    test.setTimeout(90_000) // a server starts in 10 to 60 s on a busy machine
    server = await startOwnServer(3206, { REAUTH_MAX_AGE_MINUTES: String(MAX_AGE_SECONDS / 60) })
  })
  test.afterAll(async () => server?.stop())

  /** Makes `userId` an admin, as an admin fresh from signing in. */
  async function promote(userId: number): Promise<void> {
    const promoted = await patchJson(`/api/users/${userId}`, { role: 'admin' }, bearer(await logIn(ROOT, PASSWORD, server.url)), server.url)
    expect(promoted.status, await promoted.clone().text()).toBe(200)
  }

  test("the user's own protected actions answer 403 reauth_required until they enter their password again", async () => {
    const user = await signUp({}, server.url)
    const token = await logIn(user.username, PASSWORD, server.url)
    await waitPastMaxAge()
    const actions: Call[] = [
      ['POST', '/api/keys', { name: 'script', scopes: ['read'] }],
      ['PATCH', '/api/users/me', { email: uniqueEmail(), current_password: PASSWORD }],
      ['POST', '/api/users/me/mfa/totp'],
      ['POST', '/api/users/me/mfa/totp/confirm', { otp: '123456' }],
      ['DELETE', '/api/users/me/mfa/totp'],
      ['POST', '/api/users/me/mfa/recovery-codes'],
    ]
    for (const action of actions) await expectReauthRequired(await send(server, token, action), action.join(' '))
    // Asked before the body is read: one that would be refused gets the same answer.
    await expectReauthRequired(await api('/api/keys', { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: 'not json' }, server.url))
    // The rest goes on as before.
    expect((await me(token, server.url)).status).toBe(200)
    expect((await postJson('/api/notes', { text: 'still signed in' }, bearer(token), server.url)).status).toBe(201)
    expect((await patchJson('/api/users/me', { full_name: 'Still Me' }, bearer(token), server.url)).status).toBe(200)

    const wrong = await reauth(token, { password: 'not the password' }, server.url)
    expect([wrong.status, await wrong.json()]).toEqual([400, { detail: 'Incorrect password' }])
    expect((await reauth(token, {}, server.url)).status).toBe(422)
    // Right after a step-up each action is past the freshness check and gives its own answer. Every
    // check of the password counts toward the account's limit, success or not: a step-up, then
    // the quick ones together; another, then the address (which asks for the password itself).
    const before = await currentSession(token, server)
    expect((await reauth(token, { password: PASSWORD }, server.url)).status).toBe(204)
    const expected: [Call, number][] = [
      [actions[0]!, 201],
      [actions[4]!, 409], // TOTP is off
      [actions[5]!, 409], // no recovery codes without TOTP
      [actions[3]!, 409], // no set-up started
      [actions[2]!, 200],
    ]
    for (const [action, status] of expected) {
      const response = await send(server, token, action)
      expect(response.status, `${action.join(' ')} ${await response.clone().text()}`).toBe(status)
    }
    const after = await currentSession(token, server)
    expect(after.amr).toEqual(['pwd'])
    expect(Date.parse(after.auth_time)).toBeGreaterThan(Date.parse(before.auth_time))
    expect((await reauth(token, { password: PASSWORD }, server.url)).status).toBe(204)
    expect((await send(server, token, actions[1]!)).status).toBe(200)
    const audit = await api(`/api/audit?user_id=${user.id}&kind=reauthenticated`, { headers: bearer(await logIn(ROOT, PASSWORD, server.url)) }, server.url)
    expect((await audit.json()).items.map((item: { detail: unknown }) => item.detail)).toEqual([expect.objectContaining({ method: 'pwd' }), expect.objectContaining({ method: 'pwd' })])
  })

  test("an admin's actions on another account need a fresh sign-in, asked after the admin check", async () => {
    const admin = await signUp({}, server.url)
    await promote(admin.id)
    const adminToken = await logIn(admin.username, PASSWORD, server.url)
    const target = await signUp({}, server.url)
    await enrolTotp(await logIn(target.username, PASSWORD, server.url), server.url)
    const plainToken = await logIn((await signUp({}, server.url)).username, PASSWORD, server.url)
    await waitPastMaxAge()
    const actions: [Call, number][] = [
      [['PATCH', `/api/users/${target.id}`, { disabled: false }], 200],
      [['POST', `/api/users/${target.id}/reset-link`, {}], 201],
      [['DELETE', `/api/users/${target.id}/lockout`], 204],
      [['DELETE', `/api/users/${target.id}/mfa`], 204],
      [['DELETE', `/api/users/${target.id}/sessions`], 204],
    ]
    for (const [action] of actions) {
      const where = action.join(' ')
      await expectNotAuthenticated(await api(action[1], { method: action[0] }, server.url))
      const plain = await send(server, plainToken, action)
      expect([plain.status, await plain.json()], where).toEqual([403, { detail: 'Admins only' }])
      await expectReauthRequired(await send(server, adminToken, action), where)
    }
    // Reading the directory needs no fresh sign-in; and nothing above happened.
    const directory = await api(`/api/users?q=${target.username}`, { headers: bearer(adminToken) }, server.url)
    expect(directory.status).toBe(200)
    expect(((await directory.json()).items[0].mfa as MfaStatus).totp).toBe(true)

    expect((await reauth(adminToken, { password: PASSWORD }, server.url)).status).toBe(204)
    for (const [action, status] of actions) {
      const response = await send(server, adminToken, action)
      expect(response.status, `${action.join(' ')} ${await response.clone().text()}`).toBe(status)
    }
  })

  test('a user with TOTP steps up with a code or a recovery code, not the password; a refresh keeps auth_time and amr', async () => {
    const user = await signUp({}, server.url)
    const login = await (await requestToken(user.username, PASSWORD, {}, server.url)).json()
    const { authenticator, recoveryCodes } = await enrolTotp(login.access_token, server.url)
    const signedIn = await currentSession(login.access_token, server)
    expect(signedIn.amr).toEqual(['pwd'])
    await waitPastMaxAge()
    const newKey: Call = ['POST', '/api/keys', { name: 'script', scopes: ['read'] }]
    await expectReauthRequired(await send(server, login.access_token, newKey))

    // A refresh is no proof: the session keeps when and how its user last proved who they are.
    let tokens = await (await refreshGrant(login.refresh_token, server.url)).json()
    expect(await currentSession(tokens.access_token, server)).toMatchObject({ auth_time: signedIn.auth_time, amr: ['pwd'] })
    await expectReauthRequired(await send(server, tokens.access_token, newKey))

    const passwordOnly = await reauth(tokens.access_token, { password: PASSWORD }, server.url)
    expect([passwordOnly.status, await passwordOnly.json()]).toEqual([400, { detail: 'Enter a code from your authenticator app or a recovery code' }])
    const wrong = await reauth(tokens.access_token, { otp: authenticator.wrongCode() }, server.url)
    expect([wrong.status, await wrong.json()]).toEqual([400, { detail: 'Wrong code' }])
    await expectReauthRequired(await send(server, tokens.access_token, newKey))

    expect((await reauth(tokens.access_token, { otp: await authenticator.nextCode() }, server.url)).status).toBe(204)
    expect((await send(server, tokens.access_token, newKey)).status).toBe(201)
    const stepped = await currentSession(tokens.access_token, server)
    expect(stepped.amr).toEqual(['otp'])
    expect(Date.parse(stepped.auth_time)).toBeGreaterThan(Date.parse(signedIn.auth_time))
    tokens = await (await refreshGrant(tokens.refresh_token, server.url)).json()
    expect(await currentSession(tokens.access_token, server)).toMatchObject({ auth_time: stepped.auth_time, amr: ['otp'] })

    expect((await reauth(tokens.access_token, { otp: recoveryCodes[0]! }, server.url)).status).toBe(204)
    expect((await currentSession(tokens.access_token, server)).amr).toEqual(['recovery'])
    expect(((await (await me(tokens.access_token, server.url)).json()).mfa as MfaStatus).recovery_codes_left).toBe(9)
  })

  test("a stolen admin session, even a fresh one, cannot take another admin's account by a reset", async () => {
    // A is an admin with a verified address; whoever holds A's fresh session promotes B, their own.
    const a = await verifiedUser(server.url)
    const c = await verifiedUser(server.url)
    await promote(a.id)
    const b = await signUp({}, server.url)
    const promoted = await patchJson(`/api/users/${b.id}`, { role: 'admin' }, bearer(await logIn(a.username, PASSWORD, server.url)), server.url)
    expect(promoted.status).toBe(200)
    // B, fresh, gets a reset link for a plain user, never for an admin.
    const bToken = await logIn(b.username, PASSWORD, server.url)
    const refused = await postJson(`/api/users/${a.id}/reset-link`, {}, bearer(bToken), server.url)
    expect([refused.status, await refused.json()]).toEqual([409, { detail: expect.any(String) }])
    expect((await postJson(`/api/users/${c.id}/reset-link`, {}, bearer(bToken), server.url)).status).toBe(201)

    // By mail neither: the usual answer, and no message.
    const reset = /Reset your password/
    for (const by of [{ username: a.username }, { email: a.email }, { username: c.username }]) {
      const asked = await postJson('/api/password-reset', by, {}, server.url)
      expect([asked.status, await asked.json()]).toEqual([202, { detail: 'If the account exists, a message is on its way.' }])
    }
    // C's message is sent after A's would have been; once it has arrived, none came to A.
    await waitForMail(c.email, { subject: reset })
    expect(mailsTo(a.email, reset)).toEqual([])
  })
})

test.describe('MFA_REQUIRED=admins', () => {
  let server: ExtraServer

  test.beforeAll(async () => {
    test.setTimeout(90_000)
    server = await startOwnServer(3207, { MFA_REQUIRED: 'admins' })
  })
  test.afterAll(async () => server?.stop())

  async function expectEnrolmentRequired(response: Response, where = ''): Promise<void> {
    expect(response.status, `${where} ${await response.clone().text()}`).toBe(403)
    expect(await response.json(), where).toEqual({ error: 'mfa_enrollment_required', detail: expect.stringMatching(/^Set up two-step sign-in first: /) })
  }

  test('an admin without TOTP has only their profile, the set-up, the step-up and sign-out until enrolled; a promoted user too, keys included', async () => {
    const token = await logIn(UNENROLLED_ADMIN, PASSWORD, server.url)
    const mfaOf = async (credential: string) => (await (await me(credential, server.url)).json()).mfa as MfaStatus
    expect(await mfaOf(token)).toEqual({ totp: false, recovery_codes_left: 0, passkeys: 0, required: true })
    const blocked: Call[] = [
      ['GET', '/api/notes'],
      ['POST', '/api/notes', { text: 'not yet' }],
      ['GET', '/api/users'],
      ['GET', '/api/audit'],
      ['GET', '/api/sessions'],
      ['POST', '/api/keys', { name: 'script', scopes: ['read'] }],
    ]
    for (const request of blocked) await expectEnrolmentRequired(await send(server, token, request), request.join(' '))
    expect((await reauth(token, { password: PASSWORD }, server.url)).status).toBe(204)

    // A plain user is not asked.
    const plain = await signUp({}, server.url)
    const plainToken = await logIn(plain.username, PASSWORD, server.url)
    expect(await mfaOf(plainToken)).toEqual({ totp: false, recovery_codes_left: 0, passkeys: 0, required: false })
    const key = await postJson('/api/keys', { name: 'script', scopes: ['read'] }, bearer(plainToken), server.url)
    expect(key.status).toBe(201)
    const { key: plainKey } = await key.json()
    expect((await send(server, plainKey, ['GET', '/api/notes'])).status).toBe(200)

    await enrolTotp(token, server.url)
    expect(await mfaOf(token)).toEqual({ totp: true, recovery_codes_left: 10, passkeys: 0, required: true })
    for (const request of blocked.filter(([method]) => method === 'GET')) {
      expect((await send(server, token, request)).status, request.join(' ')).toBe(200)
    }
    // Required is required: not to be turned off.
    expect((await send(server, token, ['DELETE', '/api/users/me/mfa/totp'])).status).toBe(409)

    // Promoted, the plain user is held back at once, by session and by key, and may sign out.
    expect((await patchJson(`/api/users/${plain.id}`, { role: 'admin' }, bearer(token), server.url)).status).toBe(200)
    await expectEnrolmentRequired(await send(server, plainToken, ['GET', '/api/notes']), 'session')
    await expectEnrolmentRequired(await send(server, plainKey, ['GET', '/api/notes']), 'key')
    expect(await mfaOf(plainToken)).toMatchObject({ totp: false, required: true })
    expect((await logOut(plainToken, server.url)).status).toBe(204)
    await expectInvalidToken(await me(plainToken, server.url))
  })
})
