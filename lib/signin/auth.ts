import { headers } from 'next/headers'
import { type Client, isHttps, readClient } from '../request/client'
import { clearSessionCookies, hasCookie, readCookie, setDeviceCookie, setSessionCookies } from '../request/cookies'
import { type Tx, getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { problem, tooManyRequests } from '../request/http'
import { lookUpKey, looksLikeKey, markKeyUsed } from './keys'
import { type AuditDetail, deleteOldEvents, recordAttempt, recordEvent, recordRefusal } from '../accounts/audit'
import { type MfaStatus, hasSecondFactor } from '../accounts/second-factor'
import type { AuthenticationResponseJSON } from '../credentials/passkey'
import { type PasskeyAnswer, checkPasskeyAnswer } from './passkeys'
import { passkeyExists } from '../accounts/passkeys'
import { hashPassword } from '../credentials/password'
import { clearBuckets, guessesKey, lockoutKey, readBuckets, refundAttempt, takeAttempt, typedKey } from '../request/rate-limit'
import { type Challenge, LOCKOUT_FAILURES, checkCode, consumeChallenge, countFailure, createChallenge, failChallenge, findChallenge, isLockedOut, mfaRequiredFor } from './mfa'
import { mailVerificationLater } from './recovery'
import { type Amr, type SessionUser, createSession, getSessionUser, rotateRefreshToken } from './sessions'
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
import { type Account, type NewUser, type PublicUser, checkCredentials, createUser, findAccount, getAccount, recordLogin } from '../accounts/users'

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
 * The password grant.
 * - The account-wide limits come first, and cost the caller nothing: an account with
 *   LOCKOUT_FAILURES consecutive failures refuses every client without its device cookie, and one
 *   with THROTTLE_LOGIN_SUCCESS_PER_USER successes in the window refuses everyone until it ends.
 * - Guesses are then counted before the password is checked, per client address and per username
 *   (known or not, so the count reveals nothing); a browser with a valid device cookie of this
 *   account (docs/decisions/006-device-cookies.md) is counted on its own. Failures from elsewhere
 *   can delay new browsers and scripts, never lock the user out of their own browser.
 * - A right password of an account with a second factor gives an mfa_token, no session: the
 *   second step (completeMfaLogIn) is owed. Whether an account has one is read with its password
 *   hash and said only after the password was right, so it reveals nothing to whoever lacks it.
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
    if (checked.reason === 'invalid_credentials') await countFailure({ id: account?.user.id ?? null, username }, client, named as Record<string, string>)
    return checked
  }
  // The password was right: its attempt is given back (a known browser's bucket starts afresh;
  // the username's, shared with whoever is guessing, only gets this attempt back: a success
  // elsewhere must not hand an attacker five new guesses).
  await Promise.all([
    clearBuckets(knownDevice ? [guesses.key] : []),
    refundAttempt([...(knownDevice ? [] : [guesses.key]), ...perAddress.map((bucket) => bucket.key)]),
  ])
  if (hasSecondFactor(account!)) {
    // The run of failures goes on until the second step succeeds: wrong codes extend it.
    const mfaToken = await (await getDb()).transaction(async (tx) => {
      const token = await createChallenge(tx, account!.user.id, account!.credentialsEpoch, knownDevice)
      await recordEvent(tx, { kind: 'mfa_required', actorId: account!.user.id, targetId: account!.user.id, client, detail: { known_device: knownDevice } })
      return token
    })
    const methods: MfaMethod[] = [...(account!.passkeys > 0 ? (['passkey'] as const) : []), ...(account!.totp ? (['otp'] as const) : [])]
    return { ok: false, reason: 'mfa_required', mfaToken, methods }
  }
  const rehash = checked.rehash ? await hashPassword(password) : null
  return startSession(account!, rehash, ['pwd'], knownDevice, client)
}

/**
 * The last step of a sign-in: the session, written only while the account is enabled and under
 * the credentials epoch its password was checked with; the run of failures ends, the success is
 * counted, and the browser gets a device cookie of the account.
 */
async function startSession(account: Account, rehash: string | null, amr: Amr[], knownDevice: boolean, client: Client, before?: (tx: Tx) => Promise<boolean>): Promise<LogInResult> {
  const user = account.user
  const session = await (await getDb()).transaction(async (tx) => {
    if ((before !== undefined && !(await before(tx))) || !(await recordLogin(tx, account, rehash))) return null
    const created = await createSession(tx, user.id, account.credentialsEpoch, amr, client)
    await recordEvent(tx, { kind: 'login_succeeded', actorId: user.id, targetId: user.id, client, detail: { session_id: created.id, known_device: knownDevice, amr: amr.join(' ') } })
    await deleteOldEvents(tx)
    return created
  })
  if (session === null) {
    await recordAttempt({ targetId: user.id, client, kind: 'login_failed', detail: { reason: 'credentials_changed', username: user.username } })
    return { ok: false, reason: 'invalid_credentials' }
  }
  await Promise.all([
    clearBuckets([lockoutKey(user.username)]),
    takeAttempt([{ key: typedKey('login:success', user.username), limit: getEnv().THROTTLE_LOGIN_SUCCESS_PER_USER }]),
  ])
  await setDeviceCookie(client, signDeviceCookie(user.id, account.credentialsEpoch))
  return { ok: true, tokens: await issueTokens(user.id, session.id, 0, session.expiresAt) }
}

/**
 * The second step of a sign-in (grant_type urn:passgate:params:oauth:grant-type:mfa-otp): the
 * mfa_token from the password step and a code of the user's second factor (or a recovery code).
 * The token dies with its MFA_TOKEN_TRIES-th wrong code, after MFA_TOKEN_MINUTES, when used, and
 * when the user's credentials changed meanwhile (a new password, a reset, disabling, sessions
 * ended by an admin, the second factor reset). Wrong codes are throttled per user (a browser with
 * the account's device cookie apart) and per address, and count toward LOCKOUT_FAILURES.
 */
export async function completeMfaLogIn(mfaToken: string, code: string, client: Client): Promise<LogInResult | { ok: false; reason: 'invalid_mfa_token' | 'wrong_code' | 'no_totp' }> {
  const pending = await findPendingSignIn(mfaToken)
  if (pending === null) return { ok: false, reason: 'invalid_mfa_token' }
  const { challenge, account } = pending
  if (!account.totp) return { ok: false, reason: 'no_totp' }
  const bucket = challenge.knownDevice ? `otp:device:${account.user.id}` : `otp:user:${account.user.id}`
  const checked = await checkCode(account.user, code, client, bucket)
  if (!checked.ok) {
    if (checked.reason === 'throttled') return checked
    await failChallenge(challenge)
    await recordAttempt({ targetId: account.user.id, client, kind: 'login_failed', detail: { reason: 'wrong_otp', username: account.user.username } })
    return checked
  }
  const used = await startSession(account, null, ['pwd', checked.amr], challenge.knownDevice, client, (tx) => consumeChallenge(tx, challenge))
  return used.ok || used.reason !== 'invalid_credentials' ? used : { ok: false, reason: 'invalid_mfa_token' }
}

/** The sign-in waiting for the second step an mfa_token names, while its user's credentials are those its password was checked under. */
async function findPendingSignIn(mfaToken: string): Promise<{ challenge: Challenge; account: Account } | null> {
  const challenge = await findChallenge(mfaToken)
  const account = challenge === null ? null : await getAccount(challenge.userId)
  if (challenge === null || account === null || account.credentialsEpoch !== challenge.credentialsEpoch || account.user.disabled) return null
  return { challenge, account }
}

/**
 * The passkey grant (grant_type urn:passgate:params:oauth:grant-type:passkey): an answer to a
 * passkey ceremony (lib/signin/passkeys.ts checks it).
 * - Without an mfa_token, a whole sign-in with no username: the passkey names its user, and the
 *   session counts both factors (amr `passkey`). A disabled user is refused, and so is a browser
 *   without the account's device cookie once its run of failures reached LOCKOUT_FAILURES.
 * - With one, the second step of a password sign-in (amr `pwd passkey`): the passkey must be that
 *   user's, and a refused answer counts against the mfa_token like a wrong code.
 * No bcrypt either way.
 */
export async function logInWithPasskey(response: AuthenticationResponseJSON, mfaToken: string | undefined, client: Client): Promise<LogInResult | { ok: false; reason: 'invalid_mfa_token' } | Exclude<PasskeyAnswer, { ok: true }>> {
  if (mfaToken !== undefined) {
    const pending = await findPendingSignIn(mfaToken)
    if (pending === null) return { ok: false, reason: 'invalid_mfa_token' }
    const { challenge, account } = pending
    const answer = await checkPasskeyAnswer(response, { purpose: 'second_step', userId: account.user.id, sessionId: null }, client)
    if (!answer.ok) {
      if (answer.reason === 'refused') {
        await failChallenge(challenge)
        await recordAttempt({ targetId: account.user.id, client, kind: 'login_failed', detail: { reason: 'passkey', problem: answer.refusal, username: account.user.username } })
      }
      return answer
    }
    const used = await startSession(account, null, ['pwd', 'passkey'], challenge.knownDevice, client, (tx) => consumeChallenge(tx, challenge))
    return used.ok || used.reason !== 'invalid_credentials' ? used : { ok: false, reason: 'invalid_mfa_token' }
  }
  const answer = await checkPasskeyAnswer(response, { purpose: 'sign_in', userId: null, sessionId: null }, client)
  if (!answer.ok) {
    if (answer.reason === 'refused') await recordAttempt({ targetId: answer.userId ?? null, client, kind: 'login_failed', detail: { reason: 'passkey', problem: answer.refusal } })
    return answer
  }
  const account = await getAccount(answer.passkey.userId)
  if (account === null) return { ok: false, reason: 'invalid_credentials' }
  const named = { username: account.user.username }
  if (account.user.disabled) {
    await recordAttempt({ targetId: account.user.id, client, kind: 'login_failed', detail: { reason: 'inactive', ...named } })
    return { ok: false, reason: 'inactive' }
  }
  const device = parseDeviceCookie(await readCookie('device', client.https))
  const knownDevice = device !== null && device.userId === account.user.id && device.credentialsEpoch === account.credentialsEpoch
  if (!knownDevice && (await isLockedOut(account.user.username))) {
    await recordAttempt({ targetId: account.user.id, client, kind: 'login_failed', detail: { reason: 'locked_out', ...named } })
    return { ok: false, reason: 'locked_out' }
  }
  // Written only while the passkey is still registered: an admin's reset that removed it (and moved
  // the account to a new epoch) after its answer was checked, but before the account was read
  // here, would otherwise leave this sign-in standing. Refused then as a removed passkey is.
  const started = await startSession(account, null, ['passkey'], knownDevice, client, (tx) => passkeyExists(tx, answer.passkey.id))
  return started.ok || started.reason !== 'invalid_credentials' ? started : { ok: false, reason: 'refused', refusal: 'unknown_credential' }
}

/** What a password sign-in's second step can be answered with, as `mfa_methods` lists them. */
export type MfaMethod = 'passkey' | 'otp'

export type LogInResult =
  | { ok: true; tokens: TokenPair }
  | { ok: false; reason: 'invalid_credentials' | 'inactive' | 'locked_out' }
  | { ok: false; reason: 'mfa_required'; mfaToken: string; methods: MfaMethod[] }
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

/**
 * A caller signed in with a password: a browser's cookies or a bearer access token; with when and
 * how they last proved who they are in this session, and their second factor.
 */
export type Authenticated = SessionUser & { sessionId: string; via: 'bearer' | 'cookie' }
/** A script calling with a personal access token (lib/signin/keys.ts). */
export type KeyAuthenticated = { user: PublicUser; mfa: MfaStatus; keyId: string; scopes: KeyScope[]; via: 'key' }

async function userForToken(token: string): Promise<(SessionUser & { sessionId: string }) | null> {
  const claims = await verifyAccessToken(token)
  if (claims === null) return null
  const found = await getSessionUser(claims.sessionId, claims.userId)
  return found === null ? null : { ...found, sessionId: claims.sessionId }
}

const notAuthenticated = () => problem(401, 'Not authenticated', { 'WWW-Authenticate': 'Bearer' })
/** 401 for credentials that were given and are bad, expired or ended (RFC 6750 section 3.1). */
export const invalidToken = () => problem(401, 'Could not validate credentials', { 'WWW-Authenticate': 'Bearer error="invalid_token"' })

/** What a route asks of its caller beyond being signed in. */
export type Need = {
  /** Personal access tokens allowed, with this scope; otherwise they get 403. */
  keys?: KeyScope
  /** A sign-in within REAUTH_MAX_AGE_MINUTES (a step-up otherwise). */
  fresh?: boolean
  /** Answers a user whom MFA_REQUIRED still has to set up a second factor. */
  beforeEnrolment?: boolean
}

/**
 * The signed-in caller, or a ready refusal:
 * - 401 (RFC 6750 section 3: `WWW-Authenticate: Bearer`) without valid credentials. A browser
 *   whose access cookie has expired is renewed from its refresh cookie on the way, so it stays
 *   signed in for the session's whole lifetime.
 * - 403 for a personal access token, unless the route names the access it allows them: `read`
 *   (any key) or `write` (a key with the write scope; RFC 6750's insufficient_scope otherwise).
 *   So a key never reaches what a route does not opt into: keys, sessions, passwords, the
 *   profile, the second factor, other users; and a key never steps up.
 * - 403 `mfa_enrollment_required` while MFA_REQUIRED asks the user for a second factor they have
 *   not set up, except on the routes that set it up (`beforeEnrolment`).
 * - 403 `reauth_required` on a route that needs a fresh sign-in (`fresh`) when the session's last
 *   proof is older than REAUTH_MAX_AGE_MINUTES.
 */
export async function requireUser(request: Request, need?: Need & { keys?: undefined }): Promise<Authenticated | Response>
export async function requireUser(request: Request, need: Need & { keys: KeyScope }): Promise<Authenticated | KeyAuthenticated | Response>
export async function requireUser(request: Request, need: Need = {}): Promise<Authenticated | KeyAuthenticated | Response> {
  const caller = await authenticate(request, need.keys)
  if (caller instanceof Response) return caller
  if (!need.beforeEnrolment && owesSecondFactor(caller)) {
    return problem(403, 'Set up two-step sign-in first: your account needs a second factor before it can do anything else.', undefined, {
      error: 'mfa_enrollment_required',
    })
  }
  return need.fresh && caller.via !== 'key' ? (staleRefusal(caller) ?? caller) : caller
}

async function authenticate(request: Request, keys: KeyScope | undefined): Promise<Authenticated | KeyAuthenticated | Response> {
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
  return renewed === null ? invalidToken() : { ...renewed, via: 'cookie' }
}

/** REAUTH_MAX_AGE_MINUTES in whole seconds. */
export function reauthMaxAgeSeconds(): number {
  return Math.max(1, Math.round(getEnv().REAUTH_MAX_AGE_MINUTES * 60))
}

/** Whether the session's user proved who they are within REAUTH_MAX_AGE_MINUTES. */
export function isFresh(auth: Authenticated): boolean {
  return Date.now() - auth.authTime.getTime() <= reauthMaxAgeSeconds() * 1000
}

/**
 * 403 for a session whose last proof is too old for the action (RFC 9470's step-up challenge):
 * the caller confirms who they are at POST /api/users/me/reauth, then repeats the request.
 */
export function reauthRequired(): Response {
  const maxAge = reauthMaxAgeSeconds()
  return problem(
    403,
    'Confirm it is you to do this: enter your password (or a code of your second factor) again.',
    { 'WWW-Authenticate': `Bearer error="insufficient_user_authentication", error_description="A more recent sign-in is required", max_age="${maxAge}"` },
    { error: 'reauth_required', max_age: maxAge },
  )
}

function staleRefusal(auth: Authenticated): Response | null {
  return isFresh(auth) ? null : reauthRequired()
}

async function keyCaller(key: string, client: Client, allowed: KeyScope | undefined): Promise<KeyAuthenticated | Response> {
  const found = await lookUpKey(key, client)
  if (!found.ok) return found.reason === 'throttled' ? tooManyRequests(found.retryAfter) : invalidToken()
  if (allowed === undefined) return problem(403, 'A personal access token cannot be used here: sign in with a password')
  if (!found.scopes.includes(allowed)) {
    return problem(403, `This token lacks the "${allowed}" scope`, { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${allowed}"` })
  }
  await markKeyUsed(found)
  return { user: found.user, mfa: found.mfa, keyId: found.keyId, scopes: found.scopes, via: 'key' }
}

/**
 * Renews the browser's cookies from its refresh cookie: the session's user, or null (and the
 * cookies cleared) when the refresh token is missing, invalid, reused or its session has ended.
 */
async function renewSession(client: Client): Promise<(SessionUser & { sessionId: string }) | null> {
  const token = await readCookie('refresh', client.https)
  const renewed = token === undefined ? null : await refresh(token, client)
  const found = renewed?.ok ? await getSessionUser(renewed.sessionId, renewed.user.id) : null
  if (renewed?.ok && found !== null) {
    await setSessionCookies(client, renewed.tokens)
    return { ...found, sessionId: renewed.sessionId }
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

/**
 * The signed-in caller if an admin; else a ready 401 (signed out), 403 (a plain user), or, for an
 * action that needs it, 403 `reauth_required` (see requireUser).
 */
export async function requireAdmin(request: Request, need: { fresh?: boolean } = {}): Promise<Authenticated | Response> {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  if (auth.user.role !== 'admin') return problem(403, 'Admins only')
  return need.fresh ? (staleRefusal(auth) ?? auth) : auth
}

/** For server-rendered pages: the session behind the access cookie, or null. */
export async function getPageSession(): Promise<(SessionUser & { sessionId: string }) | null> {
  const token = await readCookie('access', isHttps(await headers()))
  return token === undefined ? null : userForToken(token)
}

/**
 * Whether MFA_REQUIRED holds this caller (a session or a key) back until a second factor is set
 * up; a page then shows only the set-up.
 */
export function owesSecondFactor(caller: { user: PublicUser; mfa: MfaStatus }): boolean {
  return mfaRequiredFor(caller.user.role) && !hasSecondFactor(caller.mfa)
}

/** `GET /api/users/me`: the public user and their second factor (`required`: MFA_REQUIRED covers them). */
export function describeMe(caller: Authenticated | KeyAuthenticated): PublicUser & { mfa: MfaStatus & { required: boolean } } {
  return { ...caller.user, mfa: { ...caller.mfa, required: mfaRequiredFor(caller.user.role) } }
}
