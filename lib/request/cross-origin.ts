import { isHttps } from './client'
import { getEnv } from '../platform/env'

// Requests from other sites: CSRF refusal and CORS for CORS_ORIGINS. Part of every API route's
// pipeline (route() in lib/request/http.ts); nothing here touches the database.

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * CSRF (OWASP ASVS 5.0 V3.5.2 Origin, V3.5.3 Sec-Fetch-*): a state-changing request from another
 * site is refused unless it carries a bearer token, which a browser never adds by itself. This
 * covers cookie-authenticated calls and login CSRF alike; origins in CORS_ORIGINS are exempt only
 * with a bearer token too.
 */
export function isCrossSiteWrite(request: Request): boolean {
  if (!UNSAFE_METHODS.has(request.method) || /^Bearer\s/i.test(request.headers.get('authorization') ?? '')) return false
  // Fetch Metadata, sent by every current browser, answers the question directly, also behind
  // proxies that rewrite Host.
  const site = request.headers.get('sec-fetch-site')
  if (site !== null) return site !== 'same-origin' && site !== 'none'
  // Otherwise compare Origin (sent with every unsafe request by older browsers) with this origin:
  // scheme, host and port, so that a page on http://host cannot write to https://host. "null"
  // (sandboxed or opaque) is never ours. No Origin at all: not a browser.
  const origin = request.headers.get('origin')
  if (origin === null) return false
  const forwarded = getEnv().TRUST_PROXY !== 0 ? request.headers.get('x-forwarded-host') : null
  const host = (forwarded ?? request.headers.get('host') ?? '').split(',')[0]!.trim()
  try {
    return new URL(origin).origin !== new URL(`${isHttps(request.headers) ? 'https' : 'http'}://${host}`).origin
  } catch {
    return true
  }
}

/** CORS headers for an origin in CORS_ORIGINS (an allowlist, ASVS 5.0 V3.4.2): bearer calls only, never credentials. */
export function corsHeaders(request: Request): Record<string, string> | null {
  const origin = request.headers.get('origin')
  if (origin === null || !getEnv().CORS_ORIGINS.includes(origin)) return null
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'WWW-Authenticate, Retry-After', Vary: 'Origin' }
}

/** The answer to a CORS preflight (OPTIONS with Access-Control-Request-Method). */
export function preflightHeaders(request: Request): Record<string, string> | null {
  const cors = corsHeaders(request)
  if (cors === null || !request.headers.has('access-control-request-method')) return null
  return {
    ...cors,
    'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type',
    'Access-Control-Max-Age': '600',
  }
}
