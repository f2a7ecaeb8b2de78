import { createHash } from 'node:crypto'
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { expect, expectFieldError, expectInactiveUser, oauthError, test } from '../fixtures'
import {
  BASE_URL,
  PASSKEY_GRANT,
  PASSWORD,
  type AuditItem,
  type PasskeyEntry,
  type ProvenSession,
  type User,
  addPasskey,
  api,
  auditOf,
  bearer,
  changePassword,
  cookiePair,
  enrolTotp,
  liveSessions,
  lockOut,
  logIn,
  me,
  mfaGrant,
  passkeyGrant,
  passkeyOptions,
  passkeySignIn,
  passwordStep,
  patchJson,
  postJson,
  reauth,
  resetLink,
  signUp,
  uniqueName,
  verifiedUser,
  withSql,
  withToken,
} from '../helpers'
import { waitForMail } from '../mailbox'
import { type ExtraServer, freshDataDir, runCommand, startServer, testPort, waitForHealth } from '../servers'
import { SoftPasskey } from '../webauthn'

// Passkeys (WebAuthn) over the API, with no browser: a software authenticator (tests/webauthn.ts)
// answers the server's options as @simplewebauthn/browser would, or bent to forge each refusal.
// The main test server's APP_URL is http://127.0.0.1:PORT, so its RP ID is 127.0.0.1 (a browser
// would refuse an IP address; the server checks the same way whatever the RP ID).

const embedded = !process.env.DATABASE_URL
const RP_ID = new URL(BASE_URL).hostname
const EVIL_ORIGIN = 'https://evil.example'
const REFUSED = {
  used: 'This passkey request has expired or was already used: start again',
  begunElsewhere: 'This passkey request was begun for another account: start again',
  wrongOrigin: `The passkey answered for another site (${EVIL_ORIGIN}), not this one`,
  wrongRpId: 'The passkey belongs to another site',
  unknown: 'This passkey is not registered here (it may have been removed)',
  otherAccount: 'This passkey belongs to another account',
  unverified: 'The passkey did not verify you (a PIN, fingerprint or face is required)',
  counter: "This passkey's signature counter went backwards, as a copied passkey's would: it was refused. Sign in another way, and remove it if you did not expect this.",
  malformed: 'Not a valid passkey response',
}
const PASSWORD_ALONE = 'Confirm with your passkey or a code from your authenticator app'
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/)
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

type Tokens = { access_token: string; refresh_token: string }

const registrationOptions = (token: string, base = BASE_URL) =>
  passkeyOptions<PublicKeyCredentialCreationOptionsJSON>('/api/users/me/passkeys/options', {}, token, base)
const signInOptions = (body: { mfa_token?: string } = {}, base = BASE_URL) => passkeyOptions<PublicKeyCredentialRequestOptionsJSON>('/api/passkeys/options', body, undefined, base)
const reauthOptions = (token: string, base = BASE_URL) => passkeyOptions<PublicKeyCredentialRequestOptionsJSON>('/api/users/me/reauth/options', {}, token, base)
const register = (token: string, credential: unknown, base = BASE_URL) => postJson('/api/users/me/passkeys', { credential }, bearer(token), base)
const passkeysOf = async (token: string, base = BASE_URL): Promise<PasskeyEntry[]> => {
  const response = await api('/api/users/me/passkeys', { headers: bearer(token) }, base)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json()
}
const removePasskey = (token: string, id: string, base = BASE_URL) => api(`/api/users/me/passkeys/${id}`, { method: 'DELETE', headers: bearer(token) }, base)
const currentSession = async (token: string, base = BASE_URL) => ((await liveSessions(token, base)) as ProvenSession[]).find((session) => session.current)!
const mfaOf = async (token: string, base = BASE_URL) => ((await (await me(token, base)).json()) as { mfa: Record<string, unknown> }).mfa

/** A passkey sign-in that must succeed: the new session's tokens. */
async function signedIn(passkey: SoftPasskey, options: Parameters<typeof passkeySignIn>[1] = {}): Promise<Tokens> {
  const response = await passkeySignIn(passkey, options)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json()
}

/** 400 `{"detail"}` (registration, step-up, options). */
async function expectRefused(response: Response, detail: string): Promise<void> {
  expect([response.status, await response.json()]).toEqual([400, { detail }])
}

/** The passkey grant refused: 400 invalid_grant with `detail`. */
async function expectGrantRefused(response: Response, detail: string): Promise<void> {
  expect([response.status, await response.json()]).toEqual([400, oauthError('invalid_grant', detail)])
}

/**
 * The `problem` of each login_failed row of a passkey answer sent with `headers` (a User-Agent of
 * the test's own), newest first. A sign-in with no username is audited with no account, even for
 * a known passkey, so they are found among all accounts' rows.
 */
async function passkeyRefusals(adminToken: string, headers: Record<string, string>): Promise<unknown[]> {
  const response = await api('/api/audit?kind=login_failed', { headers: bearer(adminToken) })
  const items = (await response.json()).items as AuditItem[]
  return items.filter((item) => item.user_agent === headers['user-agent'] && item.detail.reason === 'passkey').map((item) => item.detail.problem)
}

/** A signed-in user with one passkey. */
async function passkeyUser(user?: User): Promise<{ user: User; token: string; passkey: SoftPasskey; entry: PasskeyEntry }> {
  const session = await withToken(user ?? (await signUp()))
  return { user: session, token: session.token, ...(await addPasskey(session.token)) }
}

/**
 * A server of this file's own on `port` with `settings`: its relying party is its own address (the
 * suite's APP_URL names the main server), its store a new embedded one or the suite's PostgreSQL database.
 */
async function ownServer(port: number, settings: Record<string, string>): Promise<ExtraServer> {
  test.setTimeout(120_000) // a server starts (and migrates a new embedded store) in 10 to 60 s on a busy machine
  const store: Record<string, string> = embedded ? { DATA_DIR: freshDataDir('passkeys') } : {}
  const server = startServer(port, { APP_URL: `http://127.0.0.1:${testPort(port)}`, ...store, ...settings })
  await waitForHealth(server)
  return server
}

test.describe('registering and managing passkeys: /api/users/me/passkeys', () => {
  test('options ask for a discoverable passkey that verifies its user; the answer adds it, listed newest first, renamed, removed, and the address is told', async ({ admin }) => {
    const user = await verifiedUser()
    const { token } = await withToken(user)
    const options = await registrationOptions(token)
    expect(options).toMatchObject({
      rp: { id: RP_ID },
      user: { name: user.username },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    })
    expect(options.excludeCredentials ?? []).toEqual([])
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/) // 32 random bytes

    const laptop = new SoftPasskey(BASE_URL)
    const added = await postJson('/api/users/me/passkeys', { credential: laptop.register(options), name: 'Laptop' }, bearer(token))
    expect(added.status, await added.clone().text()).toBe(201)
    const laptopEntry = (await added.json()) as PasskeyEntry
    expect(laptopEntry).toEqual({ id: UUID, name: 'Laptop', created_at: ISO, last_used_at: null, synced: true })
    expect(Math.abs(Date.parse(laptopEntry.created_at) - Date.now())).toBeLessThan(60_000)
    await waitForMail(user.email, { subject: /A passkey was added to your account/ })

    // Bound to one device (no BE/BS flags), with the default name.
    const { passkey: phone, entry: phoneEntry } = await addPasskey(token, { passkey: new SoftPasskey(BASE_URL, RP_ID, false) })
    expect(phoneEntry).toEqual({ id: UUID, name: 'Passkey', created_at: ISO, last_used_at: null, synced: false })
    expect((await registrationOptions(token)).excludeCredentials!.map((credential) => credential.id).sort()).toEqual([laptop.id, phone.id].sort())
    expect(await passkeysOf(token)).toEqual([phoneEntry, laptopEntry])
    expect(await mfaOf(token)).toMatchObject({ totp: false, passkeys: 2 })

    const renamed = await patchJson(`/api/users/me/passkeys/${laptopEntry.id}`, { name: 'Work laptop' }, bearer(token))
    expect([renamed.status, await renamed.json()]).toEqual([200, { ...laptopEntry, name: 'Work laptop' }])
    const notFound = { detail: 'Passkey not found' }
    const stranger = await withToken(await signUp())
    for (const [owner, id] of [[token, '00000000-0000-4000-8000-000000000000'], [stranger.token, laptopEntry.id]] as const) {
      const patched = await patchJson(`/api/users/me/passkeys/${id}`, { name: 'Mine now' }, bearer(owner))
      expect([patched.status, await patched.json()]).toEqual([404, notFound])
      const removed = await removePasskey(owner, id)
      expect([removed.status, await removed.json()]).toEqual([404, notFound])
    }

    const removed = await removePasskey(token, phoneEntry.id)
    expect([removed.status, await removed.text()]).toEqual([204, ''])
    expect(await passkeysOf(token)).toEqual([{ ...laptopEntry, name: 'Work laptop' }])
    await waitForMail(user.email, { subject: /A passkey was removed from your account/ })
    await expectGrantRefused(await passkeySignIn(phone), REFUSED.unknown)
    expect((await removePasskey(token, phoneEntry.id)).status).toBe(404)

    const audit = await auditOf(admin.token, user.id)
    const passkeyRows = audit.filter((item) => item.kind.startsWith('passkey_')).map((item) => [item.kind, item.detail])
    expect(passkeyRows).toEqual([
      ['passkey_removed', { passkey_id: phoneEntry.id, name: 'Passkey' }],
      ['passkey_renamed', { passkey_id: laptopEntry.id, name: 'Work laptop' }],
      ['passkey_added', { passkey_id: phoneEntry.id, name: 'Passkey' }],
      ['passkey_added', { passkey_id: laptopEntry.id, name: 'Laptop' }],
    ])
  })

  test('a passkey registered already, to this account or another, is 409', async ({ session: { token } }) => {
    const { passkey } = await addPasskey(token)
    const again = await register(token, passkey.register(await registrationOptions(token)))
    expect([again.status, await again.json()]).toEqual([409, { detail: 'This passkey is already registered' }])
    const other = await withToken(await signUp())
    const elsewhere = await register(other.token, passkey.register(await registrationOptions(other.token)))
    expect([elsewhere.status, await elsewhere.json()]).toEqual([409, { detail: 'This passkey is already registered' }])
    expect(await passkeysOf(token)).toHaveLength(1)
    expect(await passkeysOf(other.token)).toEqual([])
  })

  test('a name is 1 to 64 characters, at registration and when renamed', async ({ session: { token } }) => {
    const { entry } = await addPasskey(token, { name: 'x'.repeat(64) })
    expect(entry.name).toBe('x'.repeat(64))
    for (const name of ['', 'x'.repeat(65)]) {
      await expectFieldError(await patchJson(`/api/users/me/passkeys/${entry.id}`, { name }, bearer(token)), ['body', 'name'])
      const credential = new SoftPasskey(BASE_URL).register(await registrationOptions(token))
      await expectFieldError(await postJson('/api/users/me/passkeys', { credential, name }, bearer(token)), ['body', 'name'])
    }
    expect(await passkeysOf(token)).toEqual([entry])
  })

  test('at most 10 passkeys: the 11th options are 409, and a challenge taken before the 10th cannot add an 11th', async ({ session: { token } }) => {
    test.setTimeout(60_000)
    for (let n = 0; n < 9; n++) await addPasskey(token)
    const early = await registrationOptions(token)
    await addPasskey(token)
    const limit = { detail: 'An account can have at most 10 passkeys: remove one first' }
    const refused = await postJson('/api/users/me/passkeys/options', {}, bearer(token))
    expect([refused.status, await refused.json()]).toEqual([409, limit])
    const late = await register(token, new SoftPasskey(BASE_URL).register(early))
    expect([late.status, await late.json()]).toEqual([409, limit])
    expect(await passkeysOf(token)).toHaveLength(10)
  })

  test('a registration answer bent in any way is refused with its own detail, and adds nothing', async ({ session: { username, token } }) => {
    const cases: [string, (passkey: SoftPasskey, options: PublicKeyCredentialCreationOptionsJSON) => Promise<unknown>, string][] = [
      ['another origin', async (passkey, options) => passkey.register(options, { origin: EVIL_ORIGIN }), REFUSED.wrongOrigin],
      ['another RP ID', async (passkey, options) => passkey.register(options, { rpId: 'evil.example' }), REFUSED.wrongRpId],
      ['no user verification', async (passkey, options) => passkey.register(options, { userVerified: false }), REFUSED.unverified],
      ['an unknown challenge', async (passkey, options) => passkey.register(options, { challenge: 'A'.repeat(43) }), REFUSED.used],
      ['a sign-in challenge', async (passkey, options) => passkey.register(options, { challenge: (await signInOptions()).challenge }), REFUSED.begunElsewhere],
      ["another session's challenge", async (passkey) => passkey.register(await registrationOptions(await logIn(username))), REFUSED.begunElsewhere],
      ["another account's challenge", async (passkey) => passkey.register(await registrationOptions((await withToken(await signUp())).token)), REFUSED.begunElsewhere],
    ]
    for (const [what, answer, detail] of cases) {
      const response = await register(token, await answer(new SoftPasskey(BASE_URL), await registrationOptions(token)))
      expect([response.status, await response.json()], what).toEqual([400, { detail }])
    }
    // A refused answer spends its challenge: the honest answer to it comes too late.
    const options = await registrationOptions(token)
    const passkey = new SoftPasskey(BASE_URL)
    await expectRefused(await register(token, passkey.register(options, { origin: EVIL_ORIGIN })), REFUSED.wrongOrigin)
    await expectRefused(await register(token, passkey.register(options)), REFUSED.used)
    expect(await passkeysOf(token)).toEqual([])
  })

  test('a session older than REAUTH_MAX_AGE_MINUTES steps up with its passkey to add or remove one (not with the password); renaming and listing need no step-up', async () => {
    const maxAgeSeconds = 5
    const server = await ownServer(3215, { REAUTH_MAX_AGE_MINUTES: String(maxAgeSeconds / 60) })
    const base = server.url
    const user = await signUp({}, base)
    const token = await logIn(user.username, PASSWORD, base)
    const { passkey, entry } = await addPasskey(token, { base })
    await sleep(maxAgeSeconds * 1000 + 500)

    const stale = [
      ['options', await postJson('/api/users/me/passkeys/options', {}, bearer(token), base)],
      ['registration', await register(token, new SoftPasskey(base).register({ challenge: 'A'.repeat(43), user: { id: 'AAAA' } }), base)],
      ['removal', await removePasskey(token, entry.id, base)],
    ] as const
    for (const [what, response] of stale) {
      expect([response.status, await response.json()], what).toEqual([403, expect.objectContaining({ error: 'reauth_required', detail: expect.any(String) })])
    }
    const renamed = await patchJson(`/api/users/me/passkeys/${entry.id}`, { name: 'Old laptop' }, bearer(token), base)
    expect(renamed.status).toBe(200)
    expect(await passkeysOf(token, base)).toEqual([{ ...entry, name: 'Old laptop' }])

    await expectRefused(await reauth(token, { password: PASSWORD }, base), PASSWORD_ALONE)
    const before = await currentSession(token, base)
    const options = await reauthOptions(token, base)
    expect(options.allowCredentials!.map((credential) => credential.id)).toEqual([passkey.id])
    const stepped = await postJson('/api/users/me/reauth', { passkey: passkey.answer(options) }, bearer(token), base)
    expect(stepped.status, await stepped.clone().text()).toBe(204)
    const after = await currentSession(token, base)
    expect(after.amr).toEqual(['passkey'])
    expect(Date.parse(after.auth_time)).toBeGreaterThan(Date.parse(before.auth_time))
    await addPasskey(token, { base })
    expect((await removePasskey(token, entry.id, base)).status).toBe(204)
    expect(await passkeysOf(token, base)).toHaveLength(1)
  })
})

test.describe('signing in with a passkey: POST /api/passkeys/options, then the passkey grant', () => {
  test('options name no account; the answer signs in: a token pair, the session and device cookies, amr passkey, last_used_at', async ({ admin }) => {
    const { user, passkey, entry } = await passkeyUser()
    const options = await signInOptions()
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: 'required' })
    expect(options.allowCredentials ?? []).toEqual([])
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const response = await passkeyGrant(passkey.answer(options))
    expect(response.status, await response.clone().text()).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const tokens = await response.json()
    expect(tokens).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, refresh_token: expect.any(String) })
    for (const cookie of ['passgate_access', 'passgate_refresh', 'passgate_device']) cookiePair(response, cookie)
    expect((await (await me(tokens.access_token)).json()).username).toBe(user.username)
    const session = await currentSession(tokens.access_token)
    expect(session.amr).toEqual(['passkey'])
    expect(Math.abs(Date.parse(session.auth_time) - Date.now())).toBeLessThan(60_000)
    const [used] = await passkeysOf(tokens.access_token)
    expect(used).toEqual({ ...entry, last_used_at: ISO })
    expect(Math.abs(Date.parse(used!.last_used_at!) - Date.now())).toBeLessThan(60_000)
    expect(await auditOf(admin.token, user.id, 'login_succeeded')).toEqual([expect.objectContaining({ detail: expect.objectContaining({ amr: 'passkey' }) }), expect.anything()])
  })

  test('a disabled user is refused, though the passkey is right', async ({ admin }) => {
    const { user, passkey } = await passkeyUser()
    expect((await patchJson(`/api/users/${user.id}`, { disabled: true }, bearer(admin.token))).status).toBe(200)
    await expectInactiveUser(await passkeySignIn(passkey))
  })

  test('once the account is locked to new devices (100 failures), a passkey signs in only from a browser it signed in from before', async () => {
    test.skip(embedded, 'sets the run of failures through a second connection: PostgreSQL only')
    const { user, passkey } = await passkeyUser()
    const device = cookiePair(await passkeySignIn(passkey), 'passgate_device')
    await lockOut(user.username)
    const refused = await passkeySignIn(passkey)
    expect([refused.status, (await refused.json()).detail]).toEqual([400, expect.stringMatching(/^Sign-in from new devices is locked after 100 failed attempts/)])
    expect((await passkeySignIn(passkey, { headers: { cookie: device } })).status).toBe(200)
  })

  test('a missing, malformed or oversized credential is a 4xx with a detail, never a 500', async ({ session: { token } }) => {
    const missing = await api('/api/token', { method: 'POST', body: new URLSearchParams({ grant_type: PASSKEY_GRANT }) })
    expect([missing.status, await missing.json()]).toEqual([400, oauthError('invalid_request', 'credential is required')])
    type Answer = { response: object }
    const bent: [string, (answer: Answer) => unknown][] = [
      ['not JSON', () => '{"id": '],
      ['a number', () => 42],
      ['null', () => null],
      ['no response', (answer) => ({ ...answer, response: undefined })],
      ['fields that are no base64url', (answer) => ({ ...answer, response: Object.fromEntries(Object.keys(answer.response).map((field) => [field, '***'])) })],
      ['clientDataJSON that is not JSON', (answer) => ({ ...answer, response: { ...answer.response, clientDataJSON: Buffer.from('not json').toString('base64url') } })],
      ['an oversized body', (answer) => ({ ...answer, padding: 'x'.repeat(20_000) })],
    ]
    const passkey = new SoftPasskey(BASE_URL)
    for (const [what, bend] of bent) {
      const answers = [
        ['grant', await passkeyGrant(bend(passkey.answer(await signInOptions())))],
        ['registration', await register(token, bend(passkey.register(await registrationOptions(token))))],
        ['step-up', await postJson('/api/users/me/reauth', { passkey: bend(passkey.answer(await signInOptions())) }, bearer(token))],
      ] as const
      for (const [where, response] of answers) {
        const body = await response.text()
        expect(response.status, `${what} at the ${where}: ${body.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
        expect(response.status, `${what} at the ${where}: ${body.slice(0, 200)}`).toBeLessThan(500)
        expect(JSON.parse(body), `${what} at the ${where}`).toEqual(expect.objectContaining({ detail: expect.anything() }))
        // Well formed but not an answer: the ceremony's own refusal.
        if (what === 'clientDataJSON that is not JSON') expect(JSON.parse(body).detail, where).toBe(REFUSED.malformed)
      }
    }
    expect(await passkeysOf(token)).toEqual([])
  })
})

test.describe('the second step of a password sign-in, with a passkey', () => {
  test('an account with a passkey gets mfa_required with mfa_methods ["passkey"]; its passkey finishes the sign-in with amr pwd passkey; the mfa-otp grant is refused', async () => {
    const { user, passkey } = await passkeyUser()
    const step = await api('/api/token', { method: 'POST', body: new URLSearchParams({ username: user.username, password: PASSWORD }) })
    const body = await step.json()
    expect([step.status, body]).toEqual([403, expect.objectContaining({ error: 'mfa_required', mfa_token: expect.any(String), mfa_methods: ['passkey'] })])

    const options = await signInOptions({ mfa_token: body.mfa_token })
    expect(options.allowCredentials!.map((credential) => credential.id)).toEqual([passkey.id])
    const otp = await mfaGrant(body.mfa_token, '123456')
    expect([otp.status, await otp.json()]).toEqual([400, oauthError('invalid_grant', 'This account has no authenticator app: use a passkey')])
    const response = await passkeyGrant(passkey.answer(options), { mfaToken: body.mfa_token })
    expect(response.status, await response.clone().text()).toBe(200)
    const { access_token } = await response.json()
    expect((await currentSession(access_token)).amr).toEqual(['pwd', 'passkey'])
    // The mfa_token was spent.
    await expectRefused(await postJson('/api/passkeys/options', { mfa_token: body.mfa_token }), 'Invalid or expired mfa_token: sign in again')
  })

  test('an account with TOTP and a passkey gets mfa_methods ["passkey", "otp"], and either finishes the sign-in', async ({ session: { username, token } }) => {
    const { authenticator } = await enrolTotp(token)
    const { passkey } = await addPasskey(token)
    const step = await api('/api/token', { method: 'POST', body: new URLSearchParams({ username, password: PASSWORD }) })
    expect([step.status, (await step.json()).mfa_methods]).toEqual([403, ['passkey', 'otp']])
    const byPasskey = await signedIn(passkey, { mfaToken: await passwordStep(username) })
    expect((await currentSession(byPasskey.access_token)).amr).toEqual(['pwd', 'passkey'])
    const byCode = await mfaGrant(await passwordStep(username), await authenticator.nextCode())
    expect(byCode.status).toBe(200)
    expect((await currentSession((await byCode.json()).access_token)).amr).toEqual(['pwd', 'otp'])
    expect(await mfaOf(token)).toMatchObject({ totp: true, passkeys: 1 })
    // And the password alone no longer steps up.
    await expectRefused(await reauth(token, { password: PASSWORD }), PASSWORD_ALONE)
  })

  test('second-step options need a live mfa_token of an account with a passkey', async ({ session: { username, token } }) => {
    const invalid = await postJson('/api/passkeys/options', { mfa_token: 'A'.repeat(43) })
    await expectRefused(invalid, 'Invalid or expired mfa_token: sign in again')
    await enrolTotp(token)
    await expectRefused(await postJson('/api/passkeys/options', { mfa_token: await passwordStep(username) }), 'This account has no passkey')
  })
})

test.describe('step-up with a passkey: POST /api/users/me/reauth/options, then /api/users/me/reauth', () => {
  test('the passkey steps up (auth_time moves, amr passkey); the password alone, another account\'s passkey, and an account without one are refused', async ({ admin }) => {
    const { user, token, passkey } = await passkeyUser()
    const before = await currentSession(token)
    await expectRefused(await reauth(token, { password: PASSWORD }), PASSWORD_ALONE)
    await sleep(1100) // auth_time moves by whole seconds at least
    const stepped = await postJson('/api/users/me/reauth', { passkey: passkey.answer(await reauthOptions(token)) }, bearer(token))
    expect(stepped.status, await stepped.clone().text()).toBe(204)
    const after = await currentSession(token)
    expect(after.amr).toEqual(['passkey'])
    expect(Date.parse(after.auth_time)).toBeGreaterThan(Date.parse(before.auth_time))

    const other = await passkeyUser()
    const refused = await postJson('/api/users/me/reauth', { passkey: other.passkey.answer(await reauthOptions(token)) }, bearer(token))
    await expectRefused(refused, REFUSED.otherAccount)
    const audit = await auditOf(admin.token, user.id)
    expect(audit.filter((item) => item.kind === 'reauthenticated').map((item) => item.detail.method)).toEqual(['passkey'])
    expect(audit.filter((item) => item.kind === 'reauth_failed').map((item) => item.detail.method)).toEqual(expect.arrayContaining(['passkey']))

    const plain = await withToken(await signUp())
    const none = await postJson('/api/users/me/reauth/options', {}, bearer(plain.token))
    expect([none.status, await none.json()]).toEqual([409, { detail: 'You have no passkey' }])
  })
})

test.describe('answers refused at sign-in, each with its own detail', () => {
  test('the same answer twice (a replay), and the honest answer to a challenge already answered wrongly', async () => {
    const { passkey } = await passkeyUser()
    const answer = passkey.answer(await signInOptions())
    expect((await passkeyGrant(answer)).status).toBe(200)
    await expectGrantRefused(await passkeyGrant(answer), REFUSED.used)
    const options = await signInOptions()
    await expectGrantRefused(await passkeyGrant(passkey.answer(options, { origin: EVIL_ORIGIN })), REFUSED.wrongOrigin)
    await expectGrantRefused(await passkeyGrant(passkey.answer(options)), REFUSED.used)
  })

  test('an expired challenge', async () => {
    test.skip(embedded, 'ages the challenge from a second connection: PostgreSQL only')
    const { passkey } = await passkeyUser()
    const options = await signInOptions()
    // Stored as the SHA-256 (hex) of the challenge as sent.
    const hash = createHash('sha256').update(options.challenge).digest('hex')
    const aged = await withSql((sql) => sql`update webauthn_challenges set expires_at = now() - interval '1 second' where challenge_hash = ${hash}`)
    expect(aged.count).toBe(1)
    await expectGrantRefused(await passkeyGrant(passkey.answer(options)), REFUSED.used)
  })

  test('a request begun for another account or another ceremony', async () => {
    const a = await passkeyUser()
    const b = await passkeyUser()
    // The second step of A's sign-in, answered by B's passkey.
    const aStep = await passwordStep(a.user.username)
    const aOptions = await signInOptions({ mfa_token: aStep })
    await expectGrantRefused(await passkeyGrant(b.passkey.answer(aOptions), { mfaToken: aStep }), REFUSED.otherAccount)
    // A's second-step challenge, brought to B's second step.
    const bStep = await passwordStep(b.user.username)
    await expectGrantRefused(await passkeyGrant(b.passkey.answer(await signInOptions({ mfa_token: await passwordStep(a.user.username) })), { mfaToken: bStep }), REFUSED.begunElsewhere)
    // A registration challenge, and a step-up's, answered as a sign-in.
    await expectGrantRefused(await passkeyGrant(a.passkey.answer(await registrationOptions(a.token))), REFUSED.begunElsewhere)
    await expectGrantRefused(await passkeyGrant(a.passkey.answer(await reauthOptions(a.token))), REFUSED.begunElsewhere)
    // A step-up challenge of another session of the same account.
    const elsewhere = await reauthOptions((await signedIn(a.passkey)).access_token)
    await expectRefused(await postJson('/api/users/me/reauth', { passkey: a.passkey.answer(elsewhere) }, bearer(a.token)), REFUSED.begunElsewhere)
  })

  test('another origin, another RP ID, no user verification, an unknown passkey: refused, and audited as login_failed passkey with the problem', async ({ admin }) => {
    const { passkey } = await passkeyUser()
    const headers = { 'user-agent': uniqueName('refused-passkeys') }
    await expectGrantRefused(await passkeySignIn(passkey, { knobs: { origin: EVIL_ORIGIN }, headers }), REFUSED.wrongOrigin)
    await expectGrantRefused(await passkeySignIn(passkey, { knobs: { rpId: 'evil.example' }, headers }), REFUSED.wrongRpId)
    await expectGrantRefused(await passkeySignIn(passkey, { knobs: { userVerified: false }, headers }), REFUSED.unverified)
    await expectGrantRefused(await passkeySignIn(new SoftPasskey(BASE_URL), { headers }), REFUSED.unknown)
    expect(await passkeyRefusals(admin.token, headers)).toEqual(['unknown_credential', 'not_verified', 'wrong_rp', 'wrong_origin'])
    await signedIn(passkey)
  })

  test("a signature counter going backwards is refused, as a copied passkey's would be, and audited", async ({ admin }) => {
    const { user, passkey, entry } = await passkeyUser()
    const headers = { 'user-agent': uniqueName('copied-passkey') }
    await signedIn(passkey, { knobs: { counter: 10 } })
    await expectGrantRefused(await passkeySignIn(passkey, { knobs: { counter: 5 }, headers }), REFUSED.counter)
    await expectGrantRefused(await passkeySignIn(passkey, { knobs: { counter: 10 }, headers }), REFUSED.counter)
    const regressed = await auditOf(admin.token, user.id, 'passkey_counter_regressed')
    expect(regressed.map((item) => item.detail)).toEqual([expect.objectContaining({ passkey_id: entry.id }), expect.objectContaining({ passkey_id: entry.id })])
    expect(await passkeyRefusals(admin.token, headers)).toEqual(['counter', 'counter'])
    await signedIn(passkey, { knobs: { counter: 11 } })
  })

  test('five refused answers of one passkey (THROTTLE_LOGIN_PER_USER) throttle it: the sixth, right, is 429; another passkey of the account still signs in', async ({ session: { token } }) => {
    const { passkey } = await addPasskey(token)
    const { passkey: spare } = await addPasskey(token)
    for (let n = 0; n < 5; n++) await expectGrantRefused(await passkeySignIn(passkey, { knobs: { origin: EVIL_ORIGIN } }), REFUSED.wrongOrigin)
    const throttled = await passkeySignIn(passkey)
    expect(throttled.status, await throttled.clone().text()).toBe(429)
    expect(await throttled.json()).toMatchObject({ error: 'temporarily_unavailable' })
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0)
    await signedIn(spare)
  })
})

test.describe('recovery keeps passkeys; an admin\'s reset removes them', () => {
  test('a password change and a mailed password reset keep the passkeys', async () => {
    const user = await verifiedUser()
    const { token, passkey } = await passkeyUser(user)
    expect((await changePassword(token, PASSWORD, 'a brand new passphrase')).status).toBe(204)
    await signedIn(passkey)
    const reset = await postJson('/api/password-reset/confirm', { token: await resetLink(user), new_password: 'another new passphrase' })
    expect(reset.status, await reset.clone().text()).toBe(204)
    const { access_token } = await signedIn(passkey)
    expect(await passkeysOf(access_token)).toHaveLength(1)
    // The password still needs its second step.
    expect(await passwordStep(user.username, 'another new passphrase')).toEqual(expect.any(String))
  })

  test("an admin's reset of the second factor removes every passkey, audited; the passkey is refused after", async ({ admin }) => {
    const { user, token, passkey } = await passkeyUser()
    await addPasskey(token)
    await enrolTotp(token)
    const [entry] = (await (await api(`/api/users?q=${user.username}`, { headers: bearer(admin.token) })).json()).items
    expect(entry.mfa).toMatchObject({ totp: true, passkeys: 2 })
    const reset = await api(`/api/users/${user.id}/mfa`, { method: 'DELETE', headers: bearer(admin.token) })
    expect(reset.status, await reset.clone().text()).toBe(204)
    await expectGrantRefused(await passkeySignIn(passkey), REFUSED.unknown)
    const fresh = await logIn(user.username)
    expect(await mfaOf(fresh)).toMatchObject({ totp: false, passkeys: 0 })
    expect(await passkeysOf(fresh)).toEqual([])
    expect((await auditOf(admin.token, user.id, 'mfa_reset')).map((item) => item.detail)).toEqual([expect.objectContaining({ sessions_ended: 1, totp: true, passkeys: 2 })])
    const again = await api(`/api/users/${user.id}/mfa`, { method: 'DELETE', headers: bearer(admin.token) })
    expect([again.status, await again.json()]).toEqual([409, { detail: 'This user has no second factor.' }])
  })

  test("sign-ins with a passkey in flight while an admin resets the second factor: none outlives the reset", async ({ admin }) => {
    const { user, passkey } = await passkeyUser()
    // Counter 0, as a synced passkey reports: answers arriving in any order are all sound. Five,
    // the passkey's budget (THROTTLE_LOGIN_PER_USER): all are counted before any is checked.
    const answers = []
    for (let i = 0; i < 5; i++) answers.push(passkey.answer(await passkeyOptions('/api/passkeys/options'), { counter: 0 }))
    const [reset, ...grants] = await Promise.all([
      api(`/api/users/${user.id}/mfa`, { method: 'DELETE', headers: bearer(admin.token) }),
      ...answers.map((answer) => passkeyGrant(answer)),
    ])
    expect(reset.status).toBe(204)
    for (const grant of grants) {
      if (grant.status === 200) expect((await me((await grant.json()).access_token)).status).toBe(401)
      else expect([grant.status, (await grant.json()).error_description]).toEqual([400, REFUSED.unknown])
    }
  })

  test('user:recover --second-factor removes the passkeys too', async () => {
    test.skip(embedded, 'runs the command beside the server: the embedded store has one user at a time')
    const { user, passkey } = await passkeyUser()
    const newPassword = 'a recovered passphrase'
    const recovered = await runCommand('user-recover', [user.username, '--second-factor'], { PASSWORD: newPassword })
    expect(recovered.code, recovered.output).toBe(0)
    expect(recovered.output).toContain('Their second factor was removed')
    await expectGrantRefused(await passkeySignIn(passkey), REFUSED.unknown)
    expect(await mfaOf(await logIn(user.username, newPassword))).toMatchObject({ totp: false, passkeys: 0 })
  })

  test('a passkey alone is an account\'s second factor: its reset by an admin lets the password alone sign in', async ({ admin }) => {
    const { user } = await passkeyUser()
    expect((await api(`/api/users/${user.id}/mfa`, { method: 'DELETE', headers: bearer(admin.token) })).status).toBe(204)
    expect(await logIn(user.username)).toEqual(expect.any(String))
  })
})

test('MFA_REQUIRED=all: a passkey is the second factor; added before enrolment, it lets the account in, signs in whole, and cannot be removed last', async () => {
  const server = await ownServer(3216, { MFA_REQUIRED: 'all' })
  const base = server.url
  const user = await signUp({}, base)
  const token = await logIn(user.username, PASSWORD, base)
  const notes = (credential: string) => api('/api/notes', { headers: bearer(credential) }, base)
  const held = await notes(token)
  expect([held.status, (await held.json()).error]).toEqual([403, 'mfa_enrollment_required'])
  expect(await mfaOf(token, base)).toMatchObject({ totp: false, passkeys: 0, required: true })

  const { passkey, entry } = await addPasskey(token, { base })
  expect((await notes(token)).status).toBe(200)
  expect(await mfaOf(token, base)).toMatchObject({ passkeys: 1, required: true })
  const { access_token } = await signedIn(passkey, { base })
  expect((await notes(access_token)).status).toBe(200)
  const last = await removePasskey(access_token, entry.id, base)
  expect([last.status, await last.json()]).toEqual([409, { detail: 'Your account must keep a second factor: set up an authenticator app or another passkey first.' }])
  // With a second one, the first may go; with TOTP, the last one may; then TOTP is the last.
  const { entry: second } = await addPasskey(access_token, { base })
  expect((await removePasskey(access_token, entry.id, base)).status).toBe(204)
  expect((await passkeysOf(access_token, base)).map((passkeyEntry) => passkeyEntry.id)).toEqual([second.id])
  await enrolTotp(access_token, base)
  expect((await removePasskey(access_token, second.id, base)).status).toBe(204)
  const totpOff = await api('/api/users/me/mfa/totp', { method: 'DELETE', headers: bearer(access_token) }, base)
  expect(totpOff.status).toBe(409)
  expect(await mfaOf(access_token, base)).toMatchObject({ totp: true, passkeys: 0, required: true })
})

test.describe('in production without APP_URL passkeys are off', () => {
  const off = { detail: "Passkeys are off on this server: set APP_URL to the app's public address" }
  const unknownId = '00000000-0000-4000-8000-000000000000'
  let server: ExtraServer
  let token: string

  test.beforeAll(async () => {
    server = await ownServer(3217, { APP_URL: '', SMTP_URL: '', MAIL_FROM: '' })
    token = await logIn((await signUp({}, server.url)).username, PASSWORD, server.url)
  })
  test.afterAll(async () => server?.stop())

  /** [what, status, body] of each answer, to compare all at once. */
  const answersOf = (calls: [string, Response][]) => Promise.all(calls.map(async ([what, response]) => [what, response.status, await response.json()]))

  test('every ceremony answers 404 and says why; the grant is unsupported, with the same words; passwords work as ever', async () => {
    const base = server.url
    const passkey = new SoftPasskey(base)
    const calls: [string, Response][] = [
      ['registration options', await postJson('/api/users/me/passkeys/options', {}, bearer(token), base)],
      ['registration', await register(token, passkey.register({ challenge: 'A'.repeat(43), user: { id: 'AAAA' } }), base)],
      ['sign-in options', await postJson('/api/passkeys/options', {}, {}, base)],
      ['step-up options', await postJson('/api/users/me/reauth/options', {}, bearer(token), base)],
    ]
    expect(await answersOf(calls)).toEqual(calls.map(([what]) => [what, 404, off]))
    const grant = await passkeyGrant(passkey.answer({ challenge: 'A'.repeat(43) }), { base })
    expect([grant.status, await grant.json()]).toEqual([400, oauthError('unsupported_grant_type', off.detail)])
    expect((await me(token, base)).status).toBe(200)
  })

  // Passkeys made while APP_URL was set stay in the user's hands: listed, renamed, removed.
  test('listing, renaming and removing passkeys still answer; a step-up with one answers 404 and says why', async () => {
    const base = server.url
    const notFound = { detail: 'Passkey not found' }
    const calls: [string, Response][] = [
      ['list', await api('/api/users/me/passkeys', { headers: bearer(token) }, base)],
      ['rename', await patchJson(`/api/users/me/passkeys/${unknownId}`, { name: 'x' }, bearer(token), base)],
      ['removal', await removePasskey(token, unknownId, base)],
      ['step-up', await postJson('/api/users/me/reauth', { passkey: new SoftPasskey(base).answer({ challenge: 'A'.repeat(43) }) }, bearer(token), base)],
    ]
    expect(await answersOf(calls)).toEqual([
      ['list', 200, []],
      ['rename', 404, notFound],
      ['removal', 404, notFound],
      ['step-up', 404, off],
    ])
  })
})
