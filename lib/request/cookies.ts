import { cookies } from 'next/headers'
import type { Client } from './client'
import type { TokenPair } from '../credentials/tokens'

// Every cookie passgate sets, read and cleared in one place. Over https each name carries the
// `__Host-` prefix: the browser then accepts it only when Secure, Path=/ and without Domain, so a
// sibling subdomain can neither plant nor shadow it (OWASP ASVS 5.0 V3.3.1). Over http (local
// development) the plain names are used, and over https a plain name is never read.

const NAMES = { access: 'passgate_access', refresh: 'passgate_refresh', device: 'passgate_device' } as const

export type CookieKind = keyof typeof NAMES

export function cookieName(kind: CookieKind, https: boolean): string {
  return https ? `__Host-${NAMES[kind]}` : NAMES[kind]
}

export async function readCookie(kind: CookieKind, https: boolean): Promise<string | undefined> {
  return (await cookies()).get(cookieName(kind, https))?.value
}

export async function hasCookie(kind: CookieKind, https: boolean): Promise<boolean> {
  return (await cookies()).has(cookieName(kind, https))
}

async function setCookie(kind: CookieKind, client: Client, value: string, maxAge: number): Promise<void> {
  // HttpOnly: no script can read them; SameSite=Lax: not sent on cross-site subrequests; Secure on
  // https (OWASP ASVS 5.0 V3.3.2, V3.3.4).
  const options = { httpOnly: true, sameSite: 'lax', path: '/', secure: client.https, maxAge } as const
  ;(await cookies()).set(cookieName(kind, client.https), value, options)
}

/** The browser's copies of the tokens, in a route handler's response. */
export async function setSessionCookies(client: Client, tokens: TokenPair): Promise<void> {
  await setCookie('access', client, tokens.accessToken, tokens.expiresIn)
  const sessionSeconds = Math.max(0, Math.floor((tokens.sessionExpiresAt.getTime() - Date.now()) / 1000))
  await setCookie('refresh', client, tokens.refreshToken, sessionSeconds)
}

export async function clearSessionCookies(client: Client): Promise<void> {
  await setCookie('access', client, '', 0)
  await setCookie('refresh', client, '', 0)
}

/** Marks this browser as one the user signed in with (lib/signin/auth.ts logIn), for a year. */
export async function setDeviceCookie(client: Client, value: string): Promise<void> {
  await setCookie('device', client, value, 365 * 24 * 60 * 60)
}
