import { cookies } from 'next/headers'
import { getEnv } from './env'
import { clientInfo, clientIp, isHttps, problem } from './http'
import { logEvent } from './log'
import { clearBuckets, refundAttempt, takeAttempt } from './rate-limit'
import { createSession, getSessionUser, rotateRefreshToken } from './sessions'
import {
  ACCESS_COOKIE,
  DEVICE_COOKIE,
  REFRESH_COOKIE,
  isDeviceCookieFor,
  accessTokenLifetimeSeconds,
  parseRefreshToken,
  signAccessToken,
  signDeviceCookie,
  signRefreshToken,
  verifyAccessToken,
} from './tokens'
import { type NewUser, type PublicUser, changePassword, checkCredentials, createUser } from './users'

// Who is calling: a bearer token (scripts) or the HttpOnly session cookies (the browser), checked
// against the sessions table on every request so that ending a session takes effect at once.

export type TokenPair = { accessToken: string; refreshToken: string; expiresIn: number; sessionExpiresAt: Date }

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
 * The password grant. Attempts are counted before the password is checked, per client address
 * and per username (known or not, so the count reveals nothing). A browser that has signed in as
 * this user before (its device cookie) is counted on its own: failures from elsewhere can delay
 * new browsers and scripts, never lock the user out of their own browser. A success gives back
 * its attempt and clears the username's (or device's) count.
 */
export async function logIn(username: string, password: string, request: Request): Promise<LogInResult> {
  const env = getEnv()
  const ip = clientIp(request)
  const jar = await cookies()
  const knownDevice = isDeviceCookieFor(jar.get(DEVICE_COOKIE)?.value, username)
  const userBucket = { key: `login:${knownDevice ? 'device' : 'user'}:${username.toLowerCase()}`, limit: env.THROTTLE_LOGIN_PER_USER }
  const ipBucket = ip === null ? [] : [{ key: `login:ip:${ip}`, limit: env.THROTTLE_LOGIN_PER_IP }]
  const gate = await takeAttempt([userBucket, ...ipBucket])
  if (!gate.ok) {
    logEvent('throttled', { action: 'login', ip })
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  const checked = await checkCredentials(username, password)
  if (!checked.ok) {
    logEvent('login_failed', { reason: checked.reason, ip })
    return checked
  }
  await clearBuckets([userBucket.key])
  await refundAttempt(ipBucket.map((bucket) => bucket.key))
  const session = await createSession(checked.user.id, clientInfo(request))
  jar.set(DEVICE_COOKIE, signDeviceCookie(username), { ...cookieOptions(request, 365 * 24 * 60 * 60), path: '/api/token' })
  logEvent('login_succeeded', { user_id: checked.user.id, session_id: session.id, ip })
  return { ok: true, tokens: await issueTokens(checked.user.id, session.id, 0, session.expiresAt) }
}

export type LogInResult =
  | { ok: true; tokens: TokenPair }
  | { ok: false; reason: 'invalid_credentials' | 'inactive' }
  | Throttled

export type SignUpResult = { ok: true; user: PublicUser } | { ok: false; reason: 'username_taken' } | Throttled

/** Sign-up, every attempt counted per client address. */
export async function signUp(input: NewUser, request: Request): Promise<SignUpResult> {
  const ip = clientIp(request)
  const gate = await takeAttempt(ip === null ? [] : [{ key: `signup:ip:${ip}`, limit: getEnv().THROTTLE_SIGNUP_PER_IP }])
  if (!gate.ok) {
    logEvent('throttled', { action: 'signup', ip })
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  const result = await createUser(input)
  if (result.ok) logEvent('signed_up', { user_id: result.user.id, ip })
  return result
}

export type ChangePasswordResult = { ok: true } | { ok: false; reason: 'wrong_password' } | Throttled

/** A new password for the caller; wrong current passwords are throttled like failed logins. */
export async function changeOwnPassword(auth: Authenticated, currentPassword: string, newPassword: string): Promise<ChangePasswordResult> {
  const key = `password:user:${auth.user.id}`
  const gate = await takeAttempt([{ key, limit: getEnv().THROTTLE_LOGIN_PER_USER }])
  if (!gate.ok) {
    logEvent('throttled', { action: 'password_change', user_id: auth.user.id })
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  const result = await changePassword(auth.user.id, auth.sessionId, currentPassword, newPassword)
  if (result.ok) {
    await clearBuckets([key])
    logEvent('password_changed', { user_id: auth.user.id, session_id: auth.sessionId })
  }
  return result
}

export type RefreshResult =
  | { ok: true; tokens: TokenPair; user: PublicUser; sessionId: string }
  | { ok: false; reason: 'invalid' | 'reused' }

/** The refresh grant: a new pair for a live session, or a refusal (see rotateRefreshToken). */
export async function refresh(refreshToken: string, request: Request): Promise<RefreshResult> {
  const claims = parseRefreshToken(refreshToken)
  if (claims === null) return { ok: false, reason: 'invalid' }
  const rotated = await rotateRefreshToken(claims.sessionId, claims.generation, clientInfo(request))
  if (!rotated.ok) return rotated
  logEvent('token_refreshed', { user_id: rotated.user.id, session_id: rotated.sessionId, generation: rotated.generation })
  const tokens = await issueTokens(rotated.user.id, rotated.sessionId, rotated.generation, rotated.expiresAt)
  return { ok: true, tokens, user: rotated.user, sessionId: rotated.sessionId }
}

export type Authenticated = { user: PublicUser; sessionId: string; via: 'bearer' | 'cookie' }

async function userForToken(token: string): Promise<{ user: PublicUser; sessionId: string } | null> {
  const claims = await verifyAccessToken(token)
  if (claims === null) return null
  const user = await getSessionUser(claims.sessionId, claims.userId)
  return user === null ? null : { user, sessionId: claims.sessionId }
}

const notAuthenticated = () => problem(401, 'Not authenticated', { 'WWW-Authenticate': 'Bearer' })
const invalidToken = () => problem(401, 'Could not validate credentials', { 'WWW-Authenticate': 'Bearer error="invalid_token"' })

/**
 * The signed-in caller, or a ready 401 (RFC 6750 section 3: `WWW-Authenticate: Bearer`). A
 * browser whose access cookie has expired is renewed from its refresh cookie on the way, so it
 * stays signed in for the session's whole lifetime.
 */
export async function requireUser(request: Request): Promise<Authenticated | Response> {
  const header = request.headers.get('authorization')
  if (header !== null) {
    const match = /^Bearer +([^\s]+) *$/i.exec(header)
    if (match === null) return notAuthenticated()
    const found = await userForToken(match[1]!)
    return found === null ? invalidToken() : { ...found, via: 'bearer' }
  }
  const jar = await cookies()
  const access = jar.get(ACCESS_COOKIE)?.value
  const found = access === undefined ? null : await userForToken(access)
  if (found !== null) return { ...found, via: 'cookie' }
  if (!jar.has(REFRESH_COOKIE)) return access === undefined ? notAuthenticated() : invalidToken()
  const renewed = await renewSession(request)
  return renewed === null ? invalidToken() : { user: renewed.user, sessionId: renewed.sessionId, via: 'cookie' }
}

/**
 * Renews the browser's cookies from its refresh cookie: the new pair, or null (and the cookies
 * cleared) when the refresh token is missing, invalid, reused or its session has ended.
 */
async function renewSession(request: Request): Promise<{ user: PublicUser; sessionId: string } | null> {
  const token = (await cookies()).get(REFRESH_COOKIE)?.value
  const renewed = token === undefined ? null : await refresh(token, request)
  if (renewed?.ok) {
    await setSessionCookies(request, renewed.tokens)
    return { user: renewed.user, sessionId: renewed.sessionId }
  }
  await clearSessionCookies(request)
  return null
}

/**
 * For /api/token/renew: keeps a still-valid access cookie as it is (rotating needlessly would let
 * any site that links here spend the refresh token), else renews from the refresh cookie.
 */
export async function renewPageSession(request: Request): Promise<boolean> {
  return (await getPageSession()) !== null || (await renewSession(request)) !== null
}

/** For server-rendered pages: the user and session behind the access cookie, or null. */
export async function getPageSession(): Promise<{ user: PublicUser; sessionId: string } | null> {
  const token = (await cookies()).get(ACCESS_COOKIE)?.value
  return token === undefined ? null : userForToken(token)
}

function cookieOptions(request: Request, maxAge: number) {
  // HttpOnly: no script can read them; SameSite=Lax: not sent on cross-site subrequests; Secure on
  // https (OWASP ASVS 5.0 V3.3.1, V3.3.2, V3.3.4).
  return { httpOnly: true, sameSite: 'lax', path: '/', secure: isHttps(request), maxAge } as const
}

/** Sets the browser's session cookies (in a route handler's response). */
export async function setSessionCookies(request: Request, tokens: TokenPair): Promise<void> {
  const jar = await cookies()
  jar.set(ACCESS_COOKIE, tokens.accessToken, cookieOptions(request, tokens.expiresIn))
  const sessionSeconds = Math.max(0, Math.floor((tokens.sessionExpiresAt.getTime() - Date.now()) / 1000))
  jar.set(REFRESH_COOKIE, tokens.refreshToken, cookieOptions(request, sessionSeconds))
}

export async function clearSessionCookies(request: Request): Promise<void> {
  const jar = await cookies()
  for (const name of [ACCESS_COOKIE, REFRESH_COOKIE]) jar.set(name, '', cookieOptions(request, 0))
}
