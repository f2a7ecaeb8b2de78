import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import { getAuthSecret, getEnv } from './env'
import { SessionIdSchema } from './validation'

// Access tokens: HS256 JWTs that name a session. A valid signature is necessary but not enough:
// lib/auth.ts also requires the session to be live, so logout takes effect at once.

/** The browser's copies of the tokens, in HttpOnly cookies. */
export const ACCESS_COOKIE = 'passgate_access'
export const REFRESH_COOKIE = 'passgate_refresh'
/** Marks a browser where the user has signed in before (see lib/auth.ts logIn). */
export const DEVICE_COOKIE = 'passgate_device'

const ISSUER = 'passgate'
const AUDIENCE = 'passgate'

export type AccessClaims = { userId: number; sessionId: string }

let key: Promise<CryptoKey> | undefined

// Imported once as a CryptoKey: about twice as fast to verify as a raw Uint8Array (STACK.md).
function getKey(): Promise<CryptoKey> {
  key ??= crypto.subtle.importKey('raw', getAuthSecret(), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
  return key
}

export function accessTokenLifetimeSeconds(): number {
  return Math.round(getEnv().ACCESS_TOKEN_EXPIRE_MINUTES * 60)
}

export async function signAccessToken(claims: AccessClaims): Promise<string> {
  return new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(claims.userId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${accessTokenLifetimeSeconds()}s`)
    .sign(await getKey())
}

const isSessionId = (value: unknown): value is string => SessionIdSchema.safeParse(value).success

/** The token's claims, or null for anything not signed by us, expired, or missing a claim. */
export async function verifyAccessToken(token: string): Promise<AccessClaims | null> {
  try {
    const { payload } = await jwtVerify(token, await getKey(), {
      // Pinned: jose would otherwise accept HS384/HS512 made with the same secret (RFC 8725 3.1;
      // ASVS 5.0 V9.1.1 and V9.1.2: the MAC checked first, against an allowlist of one).
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      // jose checks `exp` only when present; a token without it would never expire (V9.2.1; the
      // audience is V9.2.3).
      requiredClaims: ['sub', 'sid', 'iat', 'exp'],
    })
    const userId = Number(payload.sub)
    const sessionId = payload.sid
    if (!Number.isSafeInteger(userId) || userId <= 0 || !isSessionId(sessionId)) return null
    return { userId, sessionId }
  } catch {
    return null
  }
}

// Refresh tokens: `<session id>.<generation>.<MAC>`, the MAC keyed by a key derived from
// AUTH_SECRET. Nothing about them is stored: the session row keeps only the current generation,
// so a stolen database yields no usable token, and a replaced token can be answered with the very
// same successor during the grace window (docs/decisions/004-refresh-tokens.md).

export type RefreshClaims = { sessionId: string; generation: number }

const derivedKeys = new Map<string, Buffer>()

/** A key of its own for each purpose, derived from AUTH_SECRET (HKDF, RFC 5869). */
function derivedKey(label: string): Buffer {
  let key = derivedKeys.get(label)
  if (key === undefined) {
    key = Buffer.from(hkdfSync('sha256', getAuthSecret(), new Uint8Array(), label, 32))
    derivedKeys.set(label, key)
  }
  return key
}

function refreshMac(sessionId: string, generation: number): Buffer {
  return createHmac('sha256', derivedKey('passgate refresh token v1')).update(`${sessionId}.${generation}`).digest()
}

export function signRefreshToken(claims: RefreshClaims): string {
  return `${claims.sessionId}.${claims.generation}.${refreshMac(claims.sessionId, claims.generation).toString('base64url')}`
}

/** The session and generation a refresh token names, or null unless its MAC is ours. */
export function parseRefreshToken(token: string): RefreshClaims | null {
  const match = /^([0-9a-f-]{36})\.(0|[1-9]\d{0,8})\.([A-Za-z0-9_-]{43})$/.exec(token)
  if (match === null || !isSessionId(match[1])) return null
  const sessionId = match[1]!
  const generation = Number(match[2])
  const given = Buffer.from(match[3]!, 'base64url')
  // Constant-time comparison: the MAC is a secret until it matches.
  return timingSafeEqual(given, refreshMac(sessionId, generation)) ? { sessionId, generation } : null
}

// Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a MAC of the
// username, set on a successful login. It proves this browser signed in as that user before.

function deviceMac(username: string): Buffer {
  return createHmac('sha256', derivedKey('passgate device cookie v1')).update(username.toLowerCase()).digest()
}

export function signDeviceCookie(username: string): string {
  return deviceMac(username).toString('base64url')
}

export function isDeviceCookieFor(value: string | undefined, username: string): boolean {
  if (value === undefined || !/^[A-Za-z0-9_-]{43}$/.test(value)) return false
  return timingSafeEqual(Buffer.from(value, 'base64url'), deviceMac(username))
}
