import { execFile, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { expect, expectInvalidToken, oauthError, test } from '../fixtures'
import {
  Authenticator,
  BASE_URL,
  MFA_OTP_GRANT,
  PASSWORD,
  type MfaStatus,
  type ProvenSession,
  api,
  bearer,
  changePassword,
  enrolTotp,
  liveSessions,
  lockOut,
  logIn,
  logInWithCode,
  me,
  mfaGrant,
  passwordStep,
  postJson,
  requestToken,
  signUp,
  uniqueName,
  verifiedUser,
  withSql,
  withToken,
} from '../helpers'
import { waitForMail } from '../mailbox'

// Two-step sign-in with TOTP (RFC 6238) and recovery codes: setting it up, the two-step grant and
// its mfa_token, codes good once, turning it off, an admin's reset, and a script signing in.

const RECOVERY_CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/
const WRONG_CODE = oauthError('invalid_grant', 'Wrong code')
const expired = expect.stringMatching(/^Invalid or expired mfa_token/)
const INVALID_MFA_TOKEN = { error: 'invalid_grant', error_description: expired, detail: expired }
const KEY_REFUSED = { detail: 'A personal access token cannot be used here: sign in with a password' }

async function mfaOf(token: string): Promise<MfaStatus> {
  const response = await me(token)
  expect(response.status, await response.clone().text()).toBe(200)
  return ((await response.json()) as { mfa: MfaStatus }).mfa
}

const sessionsOf = (token: string) => liveSessions(token) as Promise<ProvenSession[]>

/** The mfa-otp grant refused: 400 with `body`. */
async function expectRefused(response: Response, body: unknown): Promise<void> {
  expect(response.status).toBe(400)
  expect(await response.json()).toEqual(body)
}

test.describe('setting TOTP up: POST /api/users/me/mfa/totp, then .../confirm', () => {
  test('a secret and its otpauth URI; a code of it turns TOTP on and gives 10 recovery codes, shown in /api/users/me', async ({ session: { username, token } }) => {
    expect(await mfaOf(token)).toEqual({ totp: false, recovery_codes_left: 0, passkeys: 0, required: false })
    const started = await api('/api/users/me/mfa/totp', { method: 'POST', headers: bearer(token) })
    expect(started.status).toBe(200)
    const { secret, otpauth_uri } = await started.json()
    expect(secret).toMatch(/^[A-Z2-7]{26,}$/) // base32 of at least 128 bits (RFC 4226 section 4)
    expect(otpauth_uri).toBe(`otpauth://totp/passgate:${username}?issuer=passgate&secret=${secret}&algorithm=SHA1&digits=6&period=30`)
    // Started, not confirmed: the password alone still signs in.
    expect(await mfaOf(token)).toMatchObject({ totp: false })
    expect((await requestToken(username, PASSWORD)).status).toBe(200)

    const { recoveryCodes } = await enrolTotp(token)
    expect(recoveryCodes).toHaveLength(10)
    for (const code of recoveryCodes) expect(code).toMatch(RECOVERY_CODE)
    expect(new Set(recoveryCodes).size).toBe(10)
    expect(await mfaOf(token)).toEqual({ totp: true, recovery_codes_left: 10, passkeys: 0, required: false })

    const again = await api('/api/users/me/mfa/totp', { method: 'POST', headers: bearer(token) })
    expect([again.status, await again.json()]).toEqual([409, { detail: expect.stringMatching(/^Two-step sign-in is already on/) }])
    expect((await postJson('/api/users/me/mfa/totp/confirm', { otp: '123456' }, bearer(token))).status).toBe(409)
  })

  test('a wrong code is 400 and turns nothing on; a new set-up replaces the unconfirmed secret', async ({ session: { username, token } }) => {
    const start = async () => (await (await api('/api/users/me/mfa/totp', { method: 'POST', headers: bearer(token) })).json()).secret as string
    const first = new Authenticator(await start())
    const wrong = await postJson('/api/users/me/mfa/totp/confirm', { otp: first.wrongCode() }, bearer(token))
    expect(wrong.status).toBe(400)
    expect((await wrong.json()).detail).toMatch(/^Wrong code/)
    expect(await mfaOf(token)).toMatchObject({ totp: false })

    const second = new Authenticator(await start())
    expect(second.secret).not.toBe(first.secret)
    // The first secret's code is now as wrong as any.
    expect((await postJson('/api/users/me/mfa/totp/confirm', { otp: await first.nextCode() }, bearer(token))).status).toBe(400)
    const confirmed = await postJson('/api/users/me/mfa/totp/confirm', { otp: await second.nextCode() }, bearer(token))
    expect(confirmed.status).toBe(200)
    expect((await requestToken(username, PASSWORD)).status).toBe(403)
  })

  test('confirming without a set-up is 409', async ({ session: { token } }) => {
    const response = await postJson('/api/users/me/mfa/totp/confirm', { otp: '123456' }, bearer(token))
    expect(response.status).toBe(409)
    expect(await response.json()).toEqual({ detail: expect.any(String) })
    expect(await mfaOf(token)).toMatchObject({ totp: false })
  })
})

test.describe('signing in with a second factor: POST /api/token, then the mfa-otp grant', () => {
  test('the right password gets 403 mfa_required with an mfa_token, no cookie and no session; a code then signs in', async ({ session: { username, token } }) => {
    const { authenticator } = await enrolTotp(token)
    const before = await sessionsOf(token)
    expect(before).toHaveLength(1)

    const step = await requestToken(username, PASSWORD)
    expect(step.status).toBe(403)
    expect(step.headers.get('set-cookie')).toBeNull()
    const body = await step.json()
    expect(body).toEqual({ error: 'mfa_required', error_description: expect.any(String), detail: expect.any(String), mfa_token: expect.stringMatching(/^\S{20,}$/), mfa_methods: ['otp'] })
    expect((await sessionsOf(token)).map((s) => s.id)).toEqual(before.map((s) => s.id))

    const signedIn = await mfaGrant(body.mfa_token, await authenticator.nextCode())
    expect(signedIn.status).toBe(200)
    expect(signedIn.headers.get('cache-control')).toBe('no-store')
    const tokens = await signedIn.json()
    expect(tokens).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, refresh_token: expect.any(String) })
    const cookies = signedIn.headers.getSetCookie().map((cookie) => cookie.split('=')[0])
    expect(cookies).toEqual(expect.arrayContaining(['passgate_access', 'passgate_refresh']))
    expect((await (await me(tokens.access_token)).json()).username).toBe(username)
    const current = (await sessionsOf(tokens.access_token)).find((s) => s.current)!
    expect(current.amr).toEqual(['pwd', 'otp'])
    expect(Math.abs(Date.parse(current.auth_time) - Date.now())).toBeLessThan(60_000)
    // The original session was made by the password alone.
    expect((await sessionsOf(token)).find((s) => s.current)!.amr).toEqual(['pwd'])

    // The mfa_token was spent.
    await expectRefused(await mfaGrant(body.mfa_token, await authenticator.nextCode()), INVALID_MFA_TOKEN)
  })

  test('a code is good once: the same code at the next sign-in is wrong, and does not spend the mfa_token', async ({ session: { username, token } }) => {
    const { authenticator, recoveryCodes } = await enrolTotp(token)
    const code = await authenticator.nextCode()
    await logInWithCode(username, code)
    const mfaToken = await passwordStep(username)
    await expectRefused(await mfaGrant(mfaToken, code), WRONG_CODE)
    expect((await mfaGrant(mfaToken, recoveryCodes[0]!)).status).toBe(200)
  })

  test('a recovery code signs in once, in any case and spacing, and one fewer is left', async () => {
    const user = await verifiedUser()
    const { token } = await withToken(user)
    const { recoveryCodes } = await enrolTotp(token)
    const [code] = recoveryCodes as [string]
    const typed = ` ${code.toUpperCase().replace('-', ' ')} `
    const { access_token } = await logInWithCode(user.username, typed)
    expect((await sessionsOf(access_token)).find((s) => s.current)!.amr).toEqual(['pwd', 'recovery'])
    expect(await mfaOf(token)).toMatchObject({ totp: true, recovery_codes_left: 9 })
    const notice = await waitForMail(user.email, { subject: /A recovery code was used/ })
    expect(notice.text).toMatch(/\b9\b/)

    const again = await passwordStep(user.username)
    await expectRefused(await mfaGrant(again, code), WRONG_CODE)
    expect((await mfaGrant(again, recoveryCodes[1]!)).status).toBe(200)
    expect(await mfaOf(token)).toMatchObject({ recovery_codes_left: 8 })
  })

  test('an mfa_token dies with a password change made elsewhere', async ({ session: { username, token } }) => {
    const { authenticator } = await enrolTotp(token)
    const mfaToken = await passwordStep(username)
    expect((await changePassword(token, PASSWORD, 'a brand new passphrase')).status).toBe(204)
    await expectRefused(await mfaGrant(mfaToken, await authenticator.nextCode()), INVALID_MFA_TOKEN)
  })

  test('five wrong codes end the mfa_token: the right code is refused after them', async ({ session: { id, username, token }, admin }) => {
    const { authenticator } = await enrolTotp(token)
    const mfaToken = await passwordStep(username)
    for (let n = 0; n < 5; n++) await expectRefused(await mfaGrant(mfaToken, authenticator.wrongCode()), WRONG_CODE)
    await expectRefused(await mfaGrant(mfaToken, await authenticator.nextCode()), INVALID_MFA_TOKEN)
    expect(await sessionsOf(token)).toHaveLength(1)
    // The audit log has the password step and each wrong code.
    const audit = await (await api(`/api/audit?user_id=${id}`, { headers: bearer(admin.token) })).json()
    const kinds = audit.items.map((item: { kind: string; detail: { reason?: string } }) => `${item.kind}${item.detail.reason === undefined ? '' : `:${item.detail.reason}`}`)
    expect(kinds.filter((kind: string) => kind === 'login_failed:wrong_otp')).toHaveLength(5)
    expect(kinds).toContain('mfa_required')
    expect(kinds).toContain('mfa_enabled')
  })

  test('an expired mfa_token is refused', async ({ session: { id, username, token } }) => {
    test.skip(!process.env.DATABASE_URL, 'ages the mfa_token from a second connection: PostgreSQL only')
    const { authenticator } = await enrolTotp(token)
    const mfaToken = await passwordStep(username)
    await withSql((sql) => sql`update mfa_challenges set expires_at = now() - interval '1 second' where user_id = ${id}`)
    await expectRefused(await mfaGrant(mfaToken, await authenticator.nextCode()), INVALID_MFA_TOKEN)
  })

  test('a missing field is 400 invalid_request; a made-up mfa_token is invalid_grant', async ({ session: { token } }) => {
    const { authenticator } = await enrolTotp(token)
    const grant = (fields: Record<string, string>) =>
      api('/api/token', { method: 'POST', body: new URLSearchParams({ grant_type: MFA_OTP_GRANT, ...fields }) })
    const missing: Record<string, string>[] = [{ mfa_token: 'x'.repeat(43) }, { otp: '123456' }]
    for (const fields of missing) {
      const response = await grant(fields)
      expect(response.status).toBe(400)
      expect((await response.json()).error).toBe('invalid_request')
    }
    await expectRefused(await grant({ mfa_token: 'A'.repeat(43), otp: await authenticator.nextCode() }), INVALID_MFA_TOKEN)
  })

  test('an unknown user, a wrong password for a TOTP user and for a plain user get the same 401', async ({ session: { username, token } }) => {
    await enrolTotp(token)
    const plain = await signUp()
    const answers = [
      await requestToken(uniqueName('nobody'), 'not the password'),
      await requestToken(username, 'not the password'),
      await requestToken(plain.username, 'not the password'),
    ]
    const headerNames = answers.map((answer) => [...answer.headers.keys()].filter((name) => name !== 'date').sort())
    for (const answer of answers) {
      expect(answer.status).toBe(401)
      expect(answer.headers.get('www-authenticate')).toBe('Bearer')
      expect(answer.headers.get('set-cookie')).toBeNull()
      expect(await answer.json()).toEqual(oauthError('invalid_grant', 'Incorrect username or password'))
    }
    for (const names of headerNames) expect(names).toEqual(headerNames[0])
  })
})

test.describe('managing the second factor', () => {
  test('new recovery codes void the old set', async ({ session: { username, token } }) => {
    const { recoveryCodes: old } = await enrolTotp(token)
    await logInWithCode(username, old[0]!)
    expect(await mfaOf(token)).toMatchObject({ recovery_codes_left: 9 })
    const response = await api('/api/users/me/mfa/recovery-codes', { method: 'POST', headers: bearer(token) })
    expect(response.status).toBe(200)
    const { recovery_codes: fresh } = (await response.json()) as { recovery_codes: string[] }
    expect(fresh).toHaveLength(10)
    for (const code of fresh) expect(code).toMatch(RECOVERY_CODE)
    expect(fresh.filter((code) => old.includes(code))).toEqual([])
    expect(await mfaOf(token)).toMatchObject({ recovery_codes_left: 10 })
    const mfaToken = await passwordStep(username)
    await expectRefused(await mfaGrant(mfaToken, old[1]!), WRONG_CODE)
    expect((await mfaGrant(mfaToken, fresh[0]!)).status).toBe(200)

    const plain = await withToken(await signUp())
    const refused = await api('/api/users/me/mfa/recovery-codes', { method: 'POST', headers: bearer(plain.token) })
    expect(refused.status).toBe(409)
  })

  test('turning TOTP off: the password alone signs in again, the recovery codes go, and the address is told', async () => {
    const user = await verifiedUser()
    const { token } = await withToken(user)
    await enrolTotp(token)
    const off = await api('/api/users/me/mfa/totp', { method: 'DELETE', headers: bearer(token) })
    expect(off.status).toBe(204)
    expect(await mfaOf(token)).toEqual({ totp: false, recovery_codes_left: 0, passkeys: 0, required: false })
    expect((await requestToken(user.username, PASSWORD)).status).toBe(200)
    await waitForMail(user.email, { subject: /Two-step sign-in was turned off/ })
    // Off is off: nothing to turn off, no recovery codes to renew.
    expect((await api('/api/users/me/mfa/totp', { method: 'DELETE', headers: bearer(token) })).status).toBe(409)
    expect((await api('/api/users/me/mfa/recovery-codes', { method: 'POST', headers: bearer(token) })).status).toBe(409)
  })

  test("an admin resets a user's second factor: their sessions end, the password alone signs in, the address is told", async ({ admin }) => {
    const user = await verifiedUser()
    const { token } = await withToken(user)
    const { authenticator } = await enrolTotp(token)
    const second = await logInWithCode(user.username, await authenticator.nextCode())
    const [entry] = (await (await api(`/api/users?q=${user.username}`, { headers: bearer(admin.token) })).json()).items
    expect(entry.mfa).toEqual({ totp: true, recovery_codes_left: 10, passkeys: 0, required: false })

    const reset = await api(`/api/users/${user.id}/mfa`, { method: 'DELETE', headers: bearer(admin.token) })
    expect(reset.status).toBe(204)
    await expectInvalidToken(await me(token))
    await expectInvalidToken(await me(second.access_token))
    const fresh = await logIn(user.username)
    expect(await mfaOf(fresh)).toEqual({ totp: false, recovery_codes_left: 0, passkeys: 0, required: false })
    await waitForMail(user.email, { subject: /Two-step sign-in was turned off/ })
    const audit = await (await api(`/api/audit?user_id=${user.id}&kind=mfa_reset`, { headers: bearer(admin.token) })).json()
    expect(audit.items).toEqual([expect.objectContaining({ actor_id: admin.id, target_id: user.id, detail: expect.objectContaining({ sessions_ended: 2 }) })])

    expect((await api(`/api/users/${user.id}/mfa`, { method: 'DELETE', headers: bearer(admin.token) })).status).toBe(409)
    // Not one's own, even with one: an admin turns their own off on their account page.
    await enrolTotp(admin.token)
    expect((await api(`/api/users/${admin.id}/mfa`, { method: 'DELETE', headers: bearer(admin.token) })).status).toBe(409)
    expect(await mfaOf(admin.token)).toMatchObject({ totp: true })
    expect((await api('/api/users/2147483647/mfa', { method: 'DELETE', headers: bearer(admin.token) })).status).toBe(404)
    const plain = await api(`/api/users/${admin.id}/mfa`, { method: 'DELETE', headers: bearer(fresh) })
    expect([plain.status, await plain.json()]).toEqual([403, { detail: 'Admins only' }])
  })

  test('once the name is locked to new devices (100 failures), step-ups are refused until the lock is lifted', async ({ session: { id, username, token }, admin }) => {
    test.skip(!process.env.DATABASE_URL, 'sets the run of failures through a second connection')
    // A stolen session must not guess passwords or codes at the step-up for the 30 days it may live.
    await lockOut(username)
    const refused = await postJson('/api/users/me/reauth', { password: PASSWORD }, bearer(token))
    expect(refused.status).toBe(403)
    expect(await refused.json()).toEqual({ detail: expect.stringMatching(/^Too many failed attempts on this account/) })
    expect((await api(`/api/users/${id}/lockout`, { method: 'DELETE', headers: bearer(admin.token) })).status).toBe(204)
    expect((await postJson('/api/users/me/reauth', { password: PASSWORD }, bearer(token))).status).toBe(204)
  })

  test('a personal access token reaches none of the second factor and step-up routes, not even an admin\'s', async ({ session: { id, token }, admin }) => {
    const { authenticator } = await enrolTotp(token)
    const newKey = async (owner: string) => (await (await postJson('/api/keys', { name: 'script', scopes: ['read', 'write'] }, bearer(owner))).json()).key as string
    const key = await newKey(token)
    const adminKey = await newKey(admin.token)
    const json = { 'content-type': 'application/json' }
    const attempts: [string, string, string, RequestInit][] = [
      [key, 'POST', '/api/users/me/mfa/totp', {}],
      [key, 'POST', '/api/users/me/mfa/totp/confirm', { headers: json, body: JSON.stringify({ otp: authenticator.wrongCode() }) }],
      [key, 'DELETE', '/api/users/me/mfa/totp', {}],
      [key, 'POST', '/api/users/me/mfa/recovery-codes', {}],
      [key, 'POST', '/api/users/me/reauth', { headers: json, body: JSON.stringify({ password: PASSWORD }) }],
      [adminKey, 'POST', '/api/users/me/reauth', { headers: json, body: JSON.stringify({ password: PASSWORD }) }],
      [adminKey, 'DELETE', `/api/users/${id}/mfa`, {}],
    ]
    for (const [credential, method, path, init] of attempts) {
      const response = await api(path, { ...init, method, headers: { ...bearer(credential), ...(init.headers as Record<string, string>) } })
      expect([response.status, await response.json()], `${method} ${path}`).toEqual([403, KEY_REFUSED])
    }
    // A key reads the profile, second factor included; and nothing above happened.
    expect(await mfaOf(key)).toEqual({ totp: true, recovery_codes_left: 10, passkeys: 0, required: false })
  })
})

test('a Python script with requests signs in with both steps and reads its profile', async ({ session: { username, token } }) => {
  const probe = spawnSync('python3', ['-c', 'import requests'], { encoding: 'utf8' })
  test.skip(probe.status !== 0, `needs python3 with requests (apt install python3-requests): ${probe.error?.message ?? probe.stderr.trim()}`)
  const { authenticator } = await enrolTotp(token)
  const { stdout } = await promisify(execFile)('python3', ['-c', PYTHON_CLIENT], {
    env: { ...process.env, PASSGATE_URL: BASE_URL, PASSGATE_USERNAME: username, PASSGATE_PASSWORD: PASSWORD, PASSGATE_TOTP_SECRET: authenticator.secret },
    encoding: 'utf8',
  })
  expect(stdout).toBe(`${username} True\n`)
  expect((await sessionsOf(token)).map((s) => s.amr)).toContainEqual(['pwd', 'otp'])
})

// A client as a script would write it: TOTP from the standard library alone (RFC 6238 on RFC 4226).
const PYTHON_CLIENT = String.raw`
import base64, hashlib, hmac, os, struct, time
import requests

BASE = os.environ["PASSGATE_URL"]
ACCOUNT = {"username": os.environ["PASSGATE_USERNAME"], "password": os.environ["PASSGATE_PASSWORD"]}

def totp(secret, step):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"

# The password step: a user with a second factor gets an mfa_token, not a session.
r = requests.post(f"{BASE}/api/token", data=ACCOUNT)
assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
assert not r.cookies, r.cookies

# The code step. This time step's code turned TOTP on a moment ago and a code is good once, so the
# next step's code (the server allows one step of drift).
step = int(time.time()) // 30 + 1
grant = {"grant_type": "urn:passgate:params:oauth:grant-type:mfa-otp", "mfa_token": r.json()["mfa_token"], "otp": totp(os.environ["PASSGATE_TOTP_SECRET"], step)}
r = requests.post(f"{BASE}/api/token", data=grant)
r.raise_for_status()

r = requests.get(f"{BASE}/api/users/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
r.raise_for_status()
print(r.json()["username"], r.json()["mfa"]["totp"])
`
