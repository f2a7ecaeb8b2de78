import { randomBytes } from 'node:crypto'
import { expect } from '@playwright/test'
import { Secret, TOTP } from 'otpauth'
import postgres from 'postgres'
import { connectionSettings } from '../lib/platform/db'
import { PASSWORD, ROOT_ADMIN } from './constants'
import { expectDocumented } from './contract'
import { lockoutKey } from '../lib/request/rate-limit'
import { tokenIn, uniqueEmail, waitForMail } from './mailbox'
import { type Knobs, SoftPasskey } from './webauthn'

export { PASSWORD, ROOT_ADMIN }

// Shared by the API and e2e suites. Plain fetch (no cookie jar): each call says exactly which
// credentials it sends. Each request takes another server's `base` URL last (tests/servers.ts).
// tests/fixtures.ts builds the fixtures and named assertions on these.

export const BASE_URL = `http://127.0.0.1:${process.env.TEST_PORT ?? 3100}`
export const TEST_SECRET = new TextEncoder().encode(process.env.AUTH_SECRET)

export type User = { id: number; username: string; password: string }
/** A user signed in: the bearer token of one of its sessions. */
export type Session = User & { token: string }
/** A row of GET /api/sessions. */
export type LiveSession = {
  id: string
  current: boolean
  user_agent: string | null
  ip: string | null
  created_at: string
  last_used_at: string
  expires_at: string
}

/** A username no other test uses (tests run in parallel and share the database). */
export function uniqueName(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`
}

/**
 * A request to the test server, or to another server's `base` URL (tests/servers.ts). Its answer
 * must be what /api/openapi.json documents (tests/contract.ts).
 */
export async function api(path: string, init: RequestInit = {}, base = BASE_URL): Promise<Response> {
  const response = await fetch(base + path, { redirect: 'manual', ...init })
  await expectDocumented(base, init.method ?? 'GET', base + path, response)
  return response
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}, base = BASE_URL): Promise<Response> {
  return api(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }, base)
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

/** A new user (a fresh name and PASSWORD unless `fields` say otherwise); fails the test unless sign-up is 200. */
export async function signUp(fields: Record<string, unknown> = {}, base = BASE_URL): Promise<User> {
  const username = (fields.username as string | undefined) ?? uniqueName()
  const password = (fields.password as string | undefined) ?? PASSWORD
  const response = await postJson('/api/users', { username, password, ...fields }, {}, base)
  expect(response.status, await response.clone().text()).toBe(200)
  const user = (await response.json()) as { id: number }
  return { id: user.id, username, password }
}

/** The password grant, with what else a browser or script sends (a device cookie, a User-Agent). */
export function requestToken(username: string, password: string, headers: Record<string, string> = {}, base = BASE_URL): Promise<Response> {
  return api('/api/token', { method: 'POST', headers, body: new URLSearchParams({ username, password }) }, base)
}

export function refreshGrant(refreshToken: string, base = BASE_URL): Promise<Response> {
  return api('/api/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }) }, base)
}

/** A new session's access token; fails the test unless the grant is 200. */
export async function logIn(username: string, password = PASSWORD, base = BASE_URL): Promise<string> {
  const response = await requestToken(username, password, {}, base)
  expect(response.status, await response.clone().text()).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

/** `user` signed in with a new session. */
export async function withToken(user: User): Promise<Session> {
  return { ...user, token: await logIn(user.username, user.password) }
}

/** A signed-up, signed-in user with its bearer token. */
export async function newSession(): Promise<Session> {
  return withToken(await signUp())
}

let rootAdmin: { token: Promise<string>; at: number } | undefined

/**
 * A new user made admin by the root admin, whose token each test worker gets anew every few
 * minutes: promoting needs a sign-in within REAUTH_MAX_AGE_MINUTES.
 */
export async function newAdmin(): Promise<Session> {
  if (rootAdmin === undefined || Date.now() - rootAdmin.at > 5 * 60_000) rootAdmin = { token: logIn(ROOT_ADMIN), at: Date.now() }
  const user = await signUp()
  const promoted = await patchJson(`/api/users/${user.id}`, { role: 'admin' }, bearer(await rootAdmin.token))
  expect(promoted.status, await promoted.clone().text()).toBe(200)
  return withToken(user)
}

export function patchJson(path: string, body: unknown, headers: Record<string, string> = {}, base = BASE_URL): Promise<Response> {
  return api(path, { method: 'PATCH', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }, base)
}

/** GET /api/users/me: how most tests ask whether a token still works. */
export function me(token: string, base = BASE_URL): Promise<Response> {
  return api('/api/users/me', { headers: bearer(token) }, base)
}

export function logOut(token: string, base = BASE_URL): Promise<Response> {
  return api('/api/logout', { method: 'POST', headers: bearer(token) }, base)
}

/** POST /api/users/me/password with the bearer token and any other `headers` (a device cookie). */
export function changePassword(token: string, current: string, next: string, headers: Record<string, string> = {}, base = BASE_URL): Promise<Response> {
  return postJson('/api/users/me/password', { current_password: current, new_password: next }, { ...bearer(token), ...headers }, base)
}

/** GET /api/sessions; fails the test unless it is 200. */
export async function liveSessions(token: string, base = BASE_URL): Promise<LiveSession[]> {
  const response = await api('/api/sessions', { headers: bearer(token) }, base)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json()
}

/** The `name=value` of the cookie a response sets, for a Cookie header; fails the test if it sets none. */
export function cookiePair(response: Response, name: string): string {
  const set = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`))
  expect(set, `the response should set ${name}`).toBeDefined()
  return set!.split(';')[0]!
}

export async function expect401(response: Response, detail: string, challenge: string): Promise<void> {
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe(challenge)
  expect(await response.json()).toEqual({ detail })
}

/**
 * The test database's direct URL: DATABASE_URL_UNPOOLED when the suite runs behind a pooler
 * (.ci/run does, once), else DATABASE_URL; without our `?pgbouncer=true`.
 */
export function directDatabaseUrl(): string {
  return connectionSettings(process.env.DATABASE_URL_UNPOOLED || process.env.DATABASE_URL!).url
}

/** A second connection to the test's PostgreSQL database, direct, closed after `run`. */
export async function withSql<T>(run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(directDatabaseUrl(), { max: 1, onnotice: () => {} })
  try {
    return await run(sql)
  } finally {
    await sql.end()
  }
}

/**
 * The state 100 wrong passwords in a row leave on a username (reaching it by guessing is slow
 * under the per-username throttle; tests/api/trust.spec.ts does it on a server of its own).
 */
export function lockOut(username: string): Promise<unknown> {
  return withSql((sql) => sql`insert into throttles (key, hits, reset_at) values (${lockoutKey(username)}, 100, now() + interval '30 days')`)
}

/**
 * A new, empty PostgreSQL database `name`, as the environment of a server or command that should
 * use it: reached the way the suite reaches its own (through the pooler, if any), migrated directly.
 */
export async function newDatabase(name: string): Promise<Record<string, string>> {
  await withSql((sql) => sql.unsafe(`create database ${name}`))
  const on = (url: string) => {
    const parsed = new URL(url)
    parsed.pathname = `/${name}`
    return parsed.toString()
  }
  return { DATABASE_URL: on(process.env.DATABASE_URL!), DATABASE_URL_UNPOOLED: on(directDatabaseUrl()) }
}

// Two-step sign-in (TOTP) and step-up, for tests/api/mfa.spec.ts and tests/api/step-up.spec.ts.

/** A row of GET /api/sessions with when and how its user last proved who they are (RFC 8176 amr values). */
export type ProvenSession = LiveSession & { auth_time: string; amr: string[] }

/** GET /api/users/me's second factor. */
export type MfaStatus = { totp: boolean; recovery_codes_left: number; required: boolean }

const TOTP_PERIOD_SECONDS = 30

/**
 * A test's authenticator app for one secret. The server takes one step of clock drift either way
 * and each time step's code once (RFC 6238 sections 5.2 and 5.3), so each code given here is of a
 * later step than the last: the previous step's (while this one has more than 6 s to go), this
 * one's, the next one's; a fourth waits for the clock.
 */
export class Authenticator {
  private lastStep = 0

  readonly secret: string

  /** `secret` in base32, as the API gives it or as a page shows it (in groups, with spaces). */
  constructor(secret: string) {
    this.secret = secret.replace(/\s/g, '')
  }

  /** The code of `step` (RFC 6238: HMAC-SHA-1, 6 digits, 30 s). */
  codeOf(step: number): string {
    return TOTP.generate({ secret: Secret.fromBase32(this.secret), algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_SECONDS, timestamp: step * TOTP_PERIOD_SECONDS * 1000 })
  }

  /** A code the server has not seen yet, of the earliest step it still accepts. */
  async nextCode(): Promise<string> {
    const at = Date.now() / 1000 / TOTP_PERIOD_SECONDS
    const now = Math.floor(at)
    const step = Math.max(this.lastStep + 1, at - now < 0.8 ? now - 1 : now)
    if (step > now + 1) await new Promise((resolve) => setTimeout(resolve, (step - 1) * TOTP_PERIOD_SECONDS * 1000 - Date.now() + 100))
    this.lastStep = step
    return this.codeOf(step)
  }

  /** Six digits that are no code of any step the server accepts now. */
  wrongCode(): string {
    const now = Math.floor(Date.now() / 1000 / TOTP_PERIOD_SECONDS)
    const accepted = [-2, -1, 0, 1, 2].map((drift) => this.codeOf(now + drift))
    for (let n = 0; ; n++) {
      const code = String(n).padStart(6, '0')
      if (!accepted.includes(code)) return code
    }
  }
}

/**
 * Turns TOTP on for a signed-in user (POST /api/users/me/mfa/totp, then .../confirm); fails the
 * test unless both are 200. With `password`, each call is preceded by a step-up (a server whose
 * sign-ins go stale at once).
 */
export async function enrolTotp(token: string, base = BASE_URL, password?: string): Promise<{ authenticator: Authenticator; recoveryCodes: string[] }> {
  const stepUp = async () => {
    if (password !== undefined) expect((await postJson('/api/users/me/reauth', { password }, bearer(token), base)).status).toBe(204)
  }
  await stepUp()
  const started = await api('/api/users/me/mfa/totp', { method: 'POST', headers: bearer(token) }, base)
  expect(started.status, await started.clone().text()).toBe(200)
  const authenticator = new Authenticator(((await started.json()) as { secret: string }).secret)
  await stepUp()
  const confirmed = await postJson('/api/users/me/mfa/totp/confirm', { otp: await authenticator.nextCode() }, bearer(token), base)
  expect(confirmed.status, await confirmed.clone().text()).toBe(200)
  return { authenticator, recoveryCodes: ((await confirmed.json()) as { recovery_codes: string[] }).recovery_codes }
}

export const MFA_OTP_GRANT = 'urn:passgate:params:oauth:grant-type:mfa-otp'

/** The second step of a sign-in: the password step's mfa_token and a code (or a recovery code). */
export function mfaGrant(mfaToken: string, otp: string, base = BASE_URL): Promise<Response> {
  return api('/api/token', { method: 'POST', body: new URLSearchParams({ grant_type: MFA_OTP_GRANT, mfa_token: mfaToken, otp }) }, base)
}

/** The password step of a user with a second factor: its mfa_token; fails the test unless it is 403 mfa_required. */
export async function passwordStep(username: string, password = PASSWORD, base = BASE_URL): Promise<string> {
  const response = await requestToken(username, password, {}, base)
  const body = await response.clone().text()
  expect([response.status, JSON.parse(body).error], body).toEqual([403, 'mfa_required'])
  return JSON.parse(body).mfa_token
}

/** Both steps of a sign-in: the new session's tokens; fails the test unless the second step is 200. */
export async function logInWithCode(username: string, otp: string, password = PASSWORD, base = BASE_URL): Promise<{ access_token: string; refresh_token: string }> {
  const response = await mfaGrant(await passwordStep(username, password, base), otp, base)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json()
}

/** POST /api/users/me/reauth: the step-up, with the password or a code. */
export function reauth(token: string, proof: { password?: string; otp?: string }, base = BASE_URL): Promise<Response> {
  return postJson('/api/users/me/reauth', proof, bearer(token), base)
}

/** A user whose email is verified through the link mailed at sign-up (confirmed on `base`, the server that mailed it). */
export async function verifiedUser(base = BASE_URL): Promise<User & { email: string }> {
  const email = uniqueEmail()
  const user = await signUp({ email }, base)
  const mail = await waitForMail(email, { subject: /Confirm your email address/ })
  const confirmed = await postJson('/api/email-verification/confirm', { token: tokenIn(mail, '/verify-email') }, {}, base)
  expect(confirmed.status, await confirmed.clone().text()).toBe(204)
  return { ...user, email }
}

/** Asks for a password reset by mail for `user` and gives the token of the `count`-th link received. */
export async function resetLink(user: User & { email: string }, count = 1, base = BASE_URL): Promise<string> {
  expect((await postJson('/api/password-reset', { username: user.username }, {}, base)).status).toBe(202)
  return tokenIn(await waitForMail(user.email, { subject: /Reset your password/, count }), '/reset-password')
}

/** A row of GET /api/audit. */
export type AuditItem = { kind: string; actor_id: number | null; target_id: number | null; user_agent: string | null; detail: Record<string, unknown> }

/** The audit rows about `userId` (of one `kind`, if given), newest first, as an admin reads them; fails the test unless 200. */
export async function auditOf(adminToken: string, userId: number, kind?: string, base = BASE_URL): Promise<AuditItem[]> {
  const response = await api(`/api/audit?user_id=${userId}${kind === undefined ? '' : `&kind=${kind}`}`, { headers: bearer(adminToken) }, base)
  expect(response.status, await response.clone().text()).toBe(200)
  return ((await response.json()) as { items: AuditItem[] }).items
}

// Passkeys (WebAuthn), answered by a software authenticator (tests/webauthn.ts).

export const PASSKEY_GRANT = 'urn:passgate:params:oauth:grant-type:passkey'

/** A row of GET /api/users/me/passkeys. */
export type PasskeyEntry = { id: string; name: string; created_at: string; last_used_at: string | null; synced: boolean }

/** POST of a ceremony's options (`path`, with `body` and a bearer token if any); fails the test unless 200. */
export async function passkeyOptions<Options = { challenge: string; user: { id: string } }>(path: string, body: unknown = {}, token?: string, base = BASE_URL): Promise<Options> {
  const response = await postJson(path, body, token === undefined ? {} : bearer(token), base)
  expect(response.status, await response.clone().text()).toBe(200)
  return response.json()
}

/** Registers `passkey` (a new one of `base`'s site unless given) for a signed-in user; fails the test unless 201. */
export async function addPasskey(
  token: string,
  { name, base = BASE_URL, passkey = new SoftPasskey(base) }: { name?: string; base?: string; passkey?: SoftPasskey } = {},
): Promise<{ passkey: SoftPasskey; entry: PasskeyEntry }> {
  const options = await passkeyOptions('/api/users/me/passkeys/options', {}, token, base)
  const response = await postJson('/api/users/me/passkeys', { credential: passkey.register(options), ...(name === undefined ? {} : { name }) }, bearer(token), base)
  expect(response.status, await response.clone().text()).toBe(201)
  return { passkey, entry: await response.json() }
}

/**
 * The passkey grant: `credential` (sent as a JSON string unless it is one), as the second step of
 * `mfaToken`'s sign-in if given, with any other `headers` (a device cookie, a User-Agent).
 */
export function passkeyGrant(credential: unknown, { mfaToken, headers = {}, base = BASE_URL }: PasskeyGrantOptions = {}): Promise<Response> {
  const fields: Record<string, string> = { grant_type: PASSKEY_GRANT, credential: typeof credential === 'string' ? credential : JSON.stringify(credential) }
  if (mfaToken !== undefined) fields.mfa_token = mfaToken
  return api('/api/token', { method: 'POST', headers, body: new URLSearchParams(fields) }, base)
}

type PasskeyGrantOptions = { mfaToken?: string; headers?: Record<string, string>; base?: string }

/** A passkey sign-in: options (for the mfa_token of a password step, if given), `passkey`'s answer bent by `knobs`, the grant. */
export async function passkeySignIn(passkey: SoftPasskey, { knobs, ...grant }: PasskeyGrantOptions & { knobs?: Knobs } = {}): Promise<Response> {
  const options = await passkeyOptions('/api/passkeys/options', grant.mfaToken === undefined ? {} : { mfa_token: grant.mfaToken }, undefined, grant.base)
  return passkeyGrant(passkey.answer(options, knobs), grant)
}
