import { type NextRequest, NextResponse } from 'next/server'
import { getEnv } from '@/lib/env'
import { isHttps } from '@/lib/http'
import { ACCESS_COOKIE, REFRESH_COOKIE, verifyAccessToken } from '@/lib/tokens'
import { loginPath } from '@/lib/validation'

// The quick checks only, never the database: the real decision is made by lib/auth.ts on every
// request.
// - `/api/users/me/` is answered like `/api/users/me`, as FastAPI's tutorial clients expect.
// - Unsafe requests from other sites: refused (CSRF); CORS for listed origins (below).
// - /admin: a visitor without a verifiable access cookie is sent to renew it from the refresh
//   cookie if there is one, else to /login, with `next` to come back.
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const { search } = request.nextUrl
  const pathname = request.nextUrl.pathname.replace(/(.)\/+$/, '$1')
  // Every path, not only /api/: Next also routes percent-encoded spellings (`/%61pi/token`).
  if (UNSAFE_METHODS.has(request.method) && isCrossSite(request) && !hasBearer(request)) {
    return NextResponse.json({ detail: 'Cross-site request refused' }, { status: 403, headers: { 'Cache-Control': 'no-store' } })
  }
  const onward = () =>
    pathname === request.nextUrl.pathname ? NextResponse.next() : NextResponse.rewrite(new URL(pathname + search, request.url))

  if (pathname.startsWith('/api/')) return withHsts(request, withCors(request, onward))
  if (pathname === '/admin' || pathname.startsWith('/admin/')) {
    const access = request.cookies.get(ACCESS_COOKIE)?.value
    if (access === undefined || (await verifyAccessToken(access)) === null) {
      const next = pathname + search
      const target = request.cookies.has(REFRESH_COOKIE) ? `/api/token/renew?next=${encodeURIComponent(next)}` : loginPath(next)
      return withHsts(request, NextResponse.redirect(new URL(target, request.url)))
    }
  }
  return withHsts(request, withPageCsp(request, pathname + search, pathname !== request.nextUrl.pathname))
}

/**
 * A strict Content-Security-Policy for pages: scripts and styles only from this origin or with
 * this response's nonce, which Next puts on its own inline scripts (it reads the policy from the
 * request). No plugins, no framing, forms only to this origin.
 */
function withPageCsp(request: NextRequest, target: string, rewrite: boolean): NextResponse {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')
  const development = getEnv().NODE_ENV === 'development'
  const policy = [
    "default-src 'self'",
    // React's development build needs eval for its error overlay; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    // The development overlay sets inline styles; 'unsafe-inline' only works without a nonce.
    development ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'", // ASVS 5.0 V3.4.3, with object-src 'none'
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(isHttps(request) ? ['upgrade-insecure-requests'] : []),
  ].join('; ')
  const headers = new Headers(request.headers)
  headers.set('content-security-policy', policy)
  const response = rewrite
    ? NextResponse.rewrite(new URL(target, request.url), { request: { headers } })
    : NextResponse.next({ request: { headers } })
  response.headers.set('Content-Security-Policy', policy)
  return response
}

/** HSTS (RFC 6797, ASVS 5.0 V3.4.1) over https: browsers then never try plain http. */
function withHsts(request: NextRequest, response: NextResponse): NextResponse {
  if (isHttps(request)) response.headers.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains')
  return response
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

// CSRF (OWASP ASVS 5.0 V3.5.2 Origin, V3.5.3 Sec-Fetch-*): a state-changing request from another site is refused (403)
// unless it carries a bearer token, which a browser never adds by itself. This covers cookie-
// authenticated calls and login CSRF alike; origins in CORS_ORIGINS are exempt only with a
// bearer token too.
function hasBearer(request: NextRequest): boolean {
  return /^Bearer\s/i.test(request.headers.get('authorization') ?? '')
}

function isCrossSite(request: NextRequest): boolean {
  // Fetch Metadata, sent by every current browser, answers the question directly, also behind
  // proxies that rewrite Host.
  const site = request.headers.get('sec-fetch-site')
  if (site !== null) return site !== 'same-origin' && site !== 'none'
  // Otherwise compare Origin (sent with every unsafe request by older browsers) with this host;
  // "null" (sandboxed or opaque) is never ours. No Origin at all: not a browser.
  const origin = request.headers.get('origin')
  if (origin === null) return false
  const forwarded = getEnv().TRUST_PROXY !== 0 ? request.headers.get('x-forwarded-host') : null
  const host = (forwarded ?? request.headers.get('host') ?? '').split(',')[0]!.trim()
  try {
    return new URL(origin).host !== host
  } catch {
    return true
  }
}

/** CORS for CORS_ORIGINS (an allowlist, ASVS 5.0 V3.4.2): bearer calls only, never credentials. */
function withCors(request: NextRequest, onward: () => NextResponse): NextResponse {
  const origin = request.headers.get('origin')
  if (origin === null || !getEnv().CORS_ORIGINS.includes(origin)) return onward()
  const cors = { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'WWW-Authenticate, Retry-After', Vary: 'Origin' }
  if (request.method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
    return new NextResponse(null, {
      status: 204,
      headers: {
        ...cors,
        'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
        'Access-Control-Max-Age': '600',
      },
    })
  }
  const response = onward()
  for (const [name, value] of Object.entries(cors)) response.headers.set(name, value)
  return response
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
