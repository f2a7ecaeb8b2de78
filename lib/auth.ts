import { cookies } from 'next/headers'
import { clientInfo, problem } from './http'
import { createSession, getSessionUser } from './sessions'
import { ACCESS_COOKIE, accessTokenLifetimeSeconds, signAccessToken, verifyAccessToken } from './tokens'
import { checkCredentials, type PublicUser } from './users'

// Who is calling: a bearer token (scripts) or the HttpOnly session cookie (the browser), checked
// against the sessions table on every request so that ending a session takes effect at once.

export type LogInResult =
  | { ok: true; accessToken: string; expiresIn: number }
  | { ok: false; reason: 'invalid_credentials' | 'inactive' }

export async function logIn(username: string, password: string, request: Request): Promise<LogInResult> {
  const checked = await checkCredentials(username, password)
  if (!checked.ok) return checked
  const session = await createSession(checked.user.id, clientInfo(request))
  const accessToken = await signAccessToken({ userId: checked.user.id, sessionId: session.id })
  return { ok: true, accessToken, expiresIn: accessTokenLifetimeSeconds() }
}

export type Authenticated = { user: PublicUser; sessionId: string; via: 'bearer' | 'cookie' }

type Credential = { token: string; via: Authenticated['via'] } | null

function findCredential(request: Request): Credential {
  const header = request.headers.get('authorization')
  if (header !== null) {
    const match = /^Bearer +([^\s]+) *$/i.exec(header)
    return match === null ? null : { token: match[1]!, via: 'bearer' }
  }
  const cookie = readCookie(request.headers.get('cookie'), ACCESS_COOKIE)
  return cookie === null ? null : { token: cookie, via: 'cookie' }
}

function readCookie(header: string | null, name: string): string | null {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return value.join('=')
  }
  return null
}

async function userForToken(token: string): Promise<{ user: PublicUser; sessionId: string } | null> {
  const claims = await verifyAccessToken(token)
  if (claims === null) return null
  const user = await getSessionUser(claims.sessionId, claims.userId)
  return user === null ? null : { user, sessionId: claims.sessionId }
}

/** The signed-in caller, or a ready 401 (RFC 6750 section 3: `WWW-Authenticate: Bearer`). */
export async function requireUser(request: Request): Promise<Authenticated | Response> {
  const credential = findCredential(request)
  if (credential === null) {
    return problem(401, 'Not authenticated', { 'WWW-Authenticate': 'Bearer' })
  }
  const found = await userForToken(credential.token)
  if (found === null) {
    return problem(401, 'Could not validate credentials', { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
  }
  return { ...found, via: credential.via }
}

/** For server-rendered pages: the user behind the session cookie, or null. */
export async function getPageUser(): Promise<PublicUser | null> {
  const token = (await cookies()).get(ACCESS_COOKIE)?.value
  if (token === undefined) return null
  return (await userForToken(token))?.user ?? null
}

function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https'
}

/** Set-Cookie for the session: HttpOnly (no script can read it), SameSite=Lax, Secure on https. */
export function sessionCookie(request: Request, token: string | null, maxAgeSeconds = 0): string {
  const attributes = [`${ACCESS_COOKIE}=${token ?? ''}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${token === null ? 0 : maxAgeSeconds}`]
  if (isHttps(request)) attributes.push('Secure')
  return attributes.join('; ')
}
