import { SignJWT, jwtVerify } from 'jose'
import { getAuthSecret, getEnv } from './env'

// Access tokens: HS256 JWTs that name a session. A valid signature is necessary but not enough:
// lib/auth.ts also requires the session to be live, so logout takes effect at once.

/** The browser's copy of the access token, in an HttpOnly cookie. */
export const ACCESS_COOKIE = 'passgate_access'

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The token's claims, or null for anything not signed by us, expired, or missing a claim. */
export async function verifyAccessToken(token: string): Promise<AccessClaims | null> {
  try {
    const { payload } = await jwtVerify(token, await getKey(), {
      // Pinned: jose would otherwise accept HS384/HS512 made with the same secret (RFC 8725 3.1).
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      // jose checks `exp` only when present; a token without it would never expire.
      requiredClaims: ['sub', 'sid', 'iat', 'exp'],
    })
    const userId = Number(payload.sub)
    const sessionId = payload.sid
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof sessionId !== 'string' || !UUID.test(sessionId)) return null
    return { userId, sessionId }
  } catch {
    return null
  }
}
