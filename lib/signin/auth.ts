import { headers } from 'next/headers'
import { type Client, isHttps, readClient } from '../request/client'
import { clearSessionCookies, hasCookie, readCookie, setDeviceCookie, setSessionCookies } from '../request/cookies'
import { getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { problem, tooManyRequests } from '../request/http'
import { lookUpKey, looksLikeKey, markKeyUsed } from './keys'
import { type AuditDetail, deleteOldEvents, recordAttempt, recordEvent, recordRefusal } from '../accounts/audit'
import { hashPassword } from '../credentials/password'
import { clearBuckets, extendRun, guessesKey, lockoutKey, readBuckets, refundAttempt, takeAttempt, typedKey } from '../request/rate-limit'
import { mailVerificationLater } from './recovery'
import { createSession, getSessionUser, rotateRefreshToken } from './sessions'
import {
  type TokenPair,
  accessTokenLifetimeSeconds,
  parseDeviceCookie,
  parseRefreshToken,
  signAccessToken,
  signDeviceCookie,
  signRefreshToken,
  fingerprint,
  verifyAccessToken,
} from '../credentials/tokens'
import type { KeyScope } from '../credentials/validation'
import { type NewUser, type PublicUser, checkCredentials, createUser, findAccount, recordLogin } from '../accounts/users'

// Who is calling: a bearer token (scripts) or the HttpOnly session cookies (the browser), checked
// against the sessions table on every request so that ending a session takes effect at once.

async function issueTokens(userId: number, sessionId: string, generation: number, sessionExpiresAt: Date): Promise<TokenPair> {
  return {
    accessToken: await signAccessToken({ userId, sessionId }),
    refreshToken: signRefreshToken({ sessionId, generation }),
    expiresIn: accessTokenLifetimeSeconds(),
    sessionExpiresAt,
  }
}

type Throttled = { ok: false; reason: 'throttled'; retryAfter: number }

/**
 * Consecutive failed logins after which an account refuses new browsers and scripts (NIST SP
 * 800-63B 5.2.2: at most 100). A browser with a device cookie of the account still signs in.
 */
export const LOCKOUT_FAILURES = 100

/** A run of failures is forgotten after this long without another one. */
const LOCKOUT_MEMORY_SECONDS = 30 * 24 * 60 * 60

/**
 * The password grant.
 * - The account-wide limits come first, and cost the caller nothing: an account with
 *   LOCKOUT_FAILURES consecutive failures refuses every client without its device cookie, and one
 *   with THROTTLE_LOGIN_SUCCESS_PER_USER successes in the window refuses everyone until it ends.
 * - Guesses are then counted before the password is checked, per client address and per username
 *   (known or not, so the count reveals nothing); a browser with a valid device cookie of this
 *   account (docs/decisions/006-device-cookies.md) is counted on its own. Failures from elsewhere
 *   can delay new browsers and scripts, never lock the user out of their own browser.
 * - The session is written only if the password checked is still the account's (the credentials
 *   epoch, docs/decisions/007-credentials-epoch.md): a login inside bcrypt while the password
 *   changes fails.
 * A success gives back its attempt (a known device's bucket is cleared) and ends the run of
 * failures.
 */
export async function logIn(username: string, password: string, client: Client): Promise<LogInResult> {
  const env = getEnv()
  const failuresKey = lockoutKey(username)
  const successes = { key: typedKey('login:success', username), limit: env.THROTTLE_LOGIN_SUCCESS_PER_USER }
  const account = await findAccount(username)
  const device = parseDeviceCookie(await readCookie('device', client.https))
  const knownDevice =
    account !== null && device !== null && device.userId === account.user.id && device.credentialsEpoch === account.credentialsEpoch
  // Events about this attempt name the account when there is one. A name that is no account's is
  // kept only as its fingerprint: it may be a password typed into the wrong field.
  const attempt = { targetId: account?.user.id ?? null, client }
  const named: AuditDetail = account !== null ? { username: account.user.username } : { unknown_username: fingerprint(username.toLowerCase()) }
  const counts = await readBuckets([failuresKey, successes.key])
  const lockedOut = counts.get(failuresKey)
  if (!knownDevice && lockedOut !== undefined && lockedOut.hits >= LOCKOUT_FAILURES) {
    await recordRefusal({ ...attempt, detail: { action: 'login', reason: 'locked_out', ...named } }, lockedOut.window)
    return { ok: false, reason: 'locked_out' }
  }
  const succeeded = counts.get(successes.key)
  if (succeeded !== undefined && succeeded.hits >= successes.limit) {
    await recordRefusal({ ...attempt, detail: { action: 'login', reason: 'successes', ...named } }, succeeded.window)
    return { ok: false, reason: 'throttled', retryAfter: succeeded.retryAfter }
  }
  const guesses = { key: knownDevice ? `login:device:${device.deviceId}` : guessesKey(username), limit: env.THROTTLE_LOGIN_PER_USER }
  const perAddress = client.ip === null ? [] : [{ key: `login:ip:${client.ip}`, limit: env.THROTTLE_LOGIN_PER_IP }]
  const gate = await takeAttempt([guesses, ...perAddress])
  if (!gate.ok) {
    await recordRefusal({ ...attempt, detail: { action: 'login', ...named } }, gate.window)
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  const checked = await checkCredentials(account, password)
  if (!checked.ok) {
    await recordAttempt({ ...attempt, kind: 'login_failed', detail: { reason: checked.reason, ...named } })
    if (checked.reason === 'invalid_credentials' && (await extendRun(failuresKey, LOCKOUT_MEMORY_SECONDS)) === LOCKOUT_FAILURES) {
      await recordAttempt({ ...attempt, kind: 'locked_out', detail: { failures: LOCKOUT_FAILURES, ...named } })
    }
    return checked
  }
  const rehash = checked.rehash ? await hashPassword(password) : null
  const session = await (await getDb()).transaction(async (tx) => {
    if (!(await recordLogin(tx, account!, rehash))) return null
    const created = await createSession(tx, checked.user.id, account!.credentialsEpoch, client)
    await recordEvent(tx, { kind: 'login_succeeded', actorId: checked.user.id, targetId: checked.user.id, client, detail: { session_id: created.id, known_device: knownDevice } })
    await deleteOldEvents(tx)
    return created
  })
  if (session === null) {
    await recordAttempt({ ...attempt, kind: 'login_failed', detail: { reason: 'credentials_changed', ...named } })
    return { ok: false, reason: 'invalid_credentials' }
  }
  // A known browser's own bucket starts afresh; the username's, shared with whoever is guessing,
  // only gets this attempt back: a success elsewhere (the user's script) must not hand an
  // attacker five new guesses.
  await Promise.all([
    clearBuckets(knownDevice ? [guesses.key, failuresKey] : [failuresKey]),
    refundAttempt([...(knownDevice ? [] : [guesses.key]), ...perAddress.map((bucket) => bucket.key)]),
    takeAttempt([successes]),
  ])
  await setDeviceCookie(client, signDeviceCookie(checked.user.id, account!.credentialsEpoch))
  return { ok: true, tokens: await issueTokens(checked.user.id, session.id, 0, session.expiresAt) }
}

export type LogInResult =
  | { ok: true; tokens: TokenPair }
  | { ok: false; reason: 'invalid_credentials' | 'inactive' | 'locked_out' }
  | Throttled

export type SignUpResult = { ok: true; user: PublicUser } | { ok: false; reason: 'username_taken' } | Throttled

/** Sign-up, every attempt counted per client address. */
export async function signUp(input: NewUser, password: string, client: Client): Promise<SignUpResult> {
  const gate = await takeAttempt(client.ip === null ? [] : [{ key: `signup:ip:${client.ip}`, limit: getEnv().THROTTLE_SIGNUP_PER_IP }])
  if (!gate.ok) {
    await recordRefusal({ client, detail: { action: 'signup' } }, gate.window)
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  const created = await createUser(input, password, client)
  if (created.ok && created.user.email !== null) mailVerificationLater(created.user.id, client)
  return created
}

export type RefreshResult =
  | { ok: true; tokens: TokenPair; user: PublicUser; sessionId: string }
  | { ok: false; reason: 'invalid' | 'reused' }

/** The refresh grant: a new pair for a live session, or a refusal (see rotateRefreshToken). */
export async function refresh(refreshToken: string, client: Client): Promise<RefreshResult> {
  const claims = parseRefreshToken(refreshToken)
  if (claims === null) return { ok: false, reason: 'invalid' }
  const rotated = await rotateRefreshToken(claims.sessionId, claims.generation, client)
  if (!rotated.ok) return rotated
  const tokens = await issueTokens(rotated.user.id, rotated.sessionId, rotated.generation, rotated.expiresAt)
  return { ok: true, tokens, user: rotated.user, sessionId: rotated.sessionId }
}

/** A caller signed in with a password: a browser's cookies or a bearer access token. */
export type Authenticated = { user: PublicUser; sessionId: string; via: 'bearer' | 'cookie' }
/** A script calling with a personal access token (lib/signin/keys.ts). */
export type KeyAuthenticated = { user: PublicUser; keyId: string; scopes: KeyScope[]; via: 'key' }

async function userForToken(token: string): Promise<{ user: PublicUser; sessionId: string } | null> {
  const claims = await verifyAccessToken(token)
  if (claims === null) return null
  const user = await getSessionUser(claims.sessionId, claims.userId)
  return user === null ? null : { user, sessionId: claims.sessionId }
}

const notAuthenticated = () => problem(401, 'Not authenticated', { 'WWW-Authenticate': 'Bearer' })
/** 401 for credentials that were given and are bad, expired or ended (RFC 6750 section 3.1). */
export const invalidToken = () => problem(401, 'Could not validate credentials', { 'WWW-Authenticate': 'Bearer error="invalid_token"' })

/**
 * The signed-in caller, or a ready 401 (RFC 6750 section 3: `WWW-Authenticate: Bearer`). A
 * browser whose access cookie has expired is renewed from its refresh cookie on the way, so it
 * stays signed in for the session's whole lifetime.
 *
 * Personal access tokens are refused with 403 unless the route names the access it allows them:
 * `read` (any key) or `write` (a key with the write scope; RFC 6750's insufficient_scope
 * otherwise). So a key never reaches what a route does not opt into: keys, sessions, passwords,
 * the profile, other users.
 */
export async function requireUser(request: Request): Promise<Authenticated | Response>
export async function requireUser(request: Request, keys: KeyScope): Promise<Authenticated | KeyAuthenticated | Response>
export async function requireUser(request: Request, keys?: KeyScope): Promise<Authenticated | KeyAuthenticated | Response> {
  const header = request.headers.get('authorization')
  if (header !== null) {
    const match = /^Bearer +([^\s]+) *$/i.exec(header)
    if (match === null) return notAuthenticated()
    if (looksLikeKey(match[1]!)) return keyCaller(match[1]!, readClient(request), keys)
    // The hot path (a script's access token): a signature check and one query, nothing else.
    const found = await userForToken(match[1]!)
    return found === null ? invalidToken() : { ...found, via: 'bearer' }
  }
  const client = readClient(request)
  const access = await readCookie('access', client.https)
  const found = access === undefined ? null : await userForToken(access)
  if (found !== null) return { ...found, via: 'cookie' }
  if (!(await hasCookie('refresh', client.https))) return access === undefined ? notAuthenticated() : invalidToken()
  const renewed = await renewSession(client)
  return renewed === null ? invalidToken() : { user: renewed.user, sessionId: renewed.sessionId, via: 'cookie' }
}

async function keyCaller(key: string, client: Client, allowed: KeyScope | undefined): Promise<KeyAuthenticated | Response> {
  const found = await lookUpKey(key, client)
  if (!found.ok) return found.reason === 'throttled' ? tooManyRequests(found.retryAfter) : invalidToken()
  if (allowed === undefined) return problem(403, 'A personal access token cannot be used here: sign in with a password')
  if (!found.scopes.includes(allowed)) {
    return problem(403, `This token lacks the "${allowed}" scope`, { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${allowed}"` })
  }
  await markKeyUsed(found)
  return { user: found.user, keyId: found.keyId, scopes: found.scopes, via: 'key' }
}

/**
 * Renews the browser's cookies from its refresh cookie: the new pair, or null (and the cookies
 * cleared) when the refresh token is missing, invalid, reused or its session has ended.
 */
async function renewSession(client: Client): Promise<{ user: PublicUser; sessionId: string } | null> {
  const token = await readCookie('refresh', client.https)
  const renewed = token === undefined ? null : await refresh(token, client)
  if (renewed?.ok) {
    await setSessionCookies(client, renewed.tokens)
    return { user: renewed.user, sessionId: renewed.sessionId }
  }
  await clearSessionCookies(client)
  return null
}

/**
 * For /api/token/renew: keeps a still-valid access cookie as it is (rotating needlessly would let
 * any site that links here spend the refresh token), else renews from the refresh cookie.
 */
export async function renewPageSession(client: Client): Promise<boolean> {
  return (await getPageSession()) !== null || (await renewSession(client)) !== null
}

/** The signed-in caller if an admin; else a ready 401 (signed out) or 403 (a plain user). */
export async function requireAdmin(request: Request): Promise<Authenticated | Response> {
  const auth = await requireUser(request)
  if (auth instanceof Response || auth.user.role === 'admin') return auth
  return problem(403, 'Admins only')
}

/** For server-rendered pages: the user and session behind the access cookie, or null. */
export async function getPageSession(): Promise<{ user: PublicUser; sessionId: string } | null> {
  const token = await readCookie('access', isHttps(await headers()))
  return token === undefined ? null : userForToken(token)
}
