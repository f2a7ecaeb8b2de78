import { type NextRequest, NextResponse } from 'next/server'
import { getEnv } from '@/lib/env'
import { ACCESS_COOKIE, REFRESH_COOKIE, verifyAccessToken } from '@/lib/tokens'
import { loginPath } from '@/lib/validation'

// The quick checks only, never the database: the real decision is made by lib/auth.ts on every
// request.
// - `/api/users/me/` is answered like `/api/users/me`, as FastAPI's tutorial clients expect.
// - API calls: CSRF and CORS (below).
// - /admin: a visitor without a verifiable access cookie is sent to renew it from the refresh
//   cookie if there is one, else to /login, with `next` to come back.
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const { search } = request.nextUrl
  const pathname = request.nextUrl.pathname.replace(/(.)\/+$/, '$1')
  const onward = () =>
    pathname === request.nextUrl.pathname ? NextResponse.next() : NextResponse.rewrite(new URL(pathname + search, request.url))

  if (pathname.startsWith('/api/')) return guardApi(request, onward)
  if (pathname === '/admin' || pathname.startsWith('/admin/')) {
    const access = request.cookies.get(ACCESS_COOKIE)?.value
    if (access === undefined || (await verifyAccessToken(access)) === null) {
      const next = pathname + search
      const target = request.cookies.has(REFRESH_COOKIE) ? `/api/token/renew?next=${encodeURIComponent(next)}` : loginPath(next)
      return NextResponse.redirect(new URL(target, request.url))
    }
  }
  return onward()
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * CSRF: a state-changing API request from another site is refused (403) unless it carries a bearer
 * token (which a browser never adds by itself) or its origin is listed in CORS_ORIGINS (OWASP
 * ASVS 5.0 V3.5.3). CORS: listed origins may call the API with bearer tokens; credentials (cookies)
 * are never allowed cross-origin.
 */
function guardApi(request: NextRequest, onward: () => NextResponse): NextResponse {
  const origin = request.headers.get('origin')
  const listed = origin !== null && getEnv().CORS_ORIGINS.includes(origin)
  const cors: Record<string, string> = listed
    ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'WWW-Authenticate, Retry-After', Vary: 'Origin' }
    : {}
  if (request.method === 'OPTIONS' && listed && request.headers.has('access-control-request-method')) {
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
  if (UNSAFE_METHODS.has(request.method) && !listed && !request.headers.has('authorization') && isCrossSite(request, origin)) {
    return NextResponse.json({ detail: 'Cross-site request refused' }, { status: 403, headers: { 'Cache-Control': 'no-store' } })
  }
  const response = onward()
  for (const [name, value] of Object.entries(cors)) response.headers.set(name, value)
  return response
}

function isCrossSite(request: NextRequest, origin: string | null): boolean {
  // Browsers send Origin with every POST, PUT, PATCH and DELETE; "null" (sandboxed or opaque) is
  // never ours. Without Origin, Fetch Metadata still tells a cross-site request.
  if (origin === null) return request.headers.get('sec-fetch-site') === 'cross-site'
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host')
  try {
    return new URL(origin).host !== host
  } catch {
    return true
  }
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
