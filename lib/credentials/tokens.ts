import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import { getAuthSecret, getEnv } from '../platform/env'
import { SessionIdSchema } from './validation'

// Access tokens: HS256 JWTs that name a session. A valid signature is necessary but not enough:
// lib/signin/auth.ts also requires the session to be live, so logout takes effect at once.

const ISSUER = 'passgate'
const AUDIENCE = 'passgate'

export type AccessClaims = { userId: number; sessionId: string }

/** What a login or a refresh hands out. */
export type TokenPair = { accessToken: string; refreshToken: string; expiresIn: number; sessionExpiresAt: Date }

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
export function derivedKey(label: string): Buffer {
  let key = derivedKeys.get(label)
  if (key === undefined) {
    key = Buffer.from(hkdfSync('sha256', getAuthSecret(), new Uint8Array(), label, 32))
    derivedKeys.set(label, key)
  }
  return key
}

/**
 * A keyed hash of text a caller typed that must not be kept: an unknown username may be a
 * password typed into the wrong field. The same text gives the same value (a spray over one name
 * shows in the audit log, a throttle counts it), and nothing turns it back without AUTH_SECRET.
 */
export function fingerprint(typed: string): string {
  return createHmac('sha256', derivedKey('passgate typed text v1')).update(typed).digest('base64url').slice(0, 22)
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

// Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"), set on a
// successful login: `<device id>.<user id>.<credentials epoch>.<MAC>`. The random id gives each
// browser a throttle bucket of its own; the epoch voids the cookie when the credentials change
// (docs/decisions/006-device-cookies.md).

export type DeviceClaims = { deviceId: string; userId: number; credentialsEpoch: number }

function deviceMac(deviceId: string, userId: number, credentialsEpoch: number): Buffer {
  return createHmac('sha256', derivedKey('passgate device cookie v2')).update(`${deviceId}.${userId}.${credentialsEpoch}`).digest()
}

/** A cookie for a new device id. */
export function signDeviceCookie(userId: number, credentialsEpoch: number): string {
  const deviceId = randomBytes(16).toString('base64url')
  return `${deviceId}.${userId}.${credentialsEpoch}.${deviceMac(deviceId, userId, credentialsEpoch).toString('base64url')}`
}

/** The cookie's claims, or null unless its MAC is ours. */
export function parseDeviceCookie(value: string | undefined): DeviceClaims | null {
  const match = /^([A-Za-z0-9_-]{22})\.([1-9]\d{0,14})\.(0|[1-9]\d{0,9})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '')
  if (match === null) return null
  const [deviceId, userId, credentialsEpoch] = [match[1]!, Number(match[2]), Number(match[3])]
  const given = Buffer.from(match[4]!, 'base64url')
  return timingSafeEqual(given, deviceMac(deviceId, userId, credentialsEpoch)) ? { deviceId, userId, credentialsEpoch } : null
}
