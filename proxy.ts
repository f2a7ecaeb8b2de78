import { type NextRequest, NextResponse } from 'next/server'
import { hstsHeader, isHttps } from '@/lib/request/client'
import { cookieName } from '@/lib/request/cookies'
import { isCrossSiteWrite } from '@/lib/request/cross-origin'
import { getEnv } from '@/lib/platform/env'
import { loginPath } from '@/lib/request/next-path'
import { verifyAccessToken } from '@/lib/credentials/tokens'

// Pages only: API routes never pass through here (each goes through route() in lib/request/http.ts), so
// their bodies are not buffered by the proxy before their own size limit can act. The quick checks
// only, never the database: the real decision is made by lib/signin/auth.ts on every request.
// - A state-changing request from another site is refused (CSRF), as for the API.
// - Every page gets a Content-Security-Policy with a fresh nonce, and HSTS over https.
// - /admin: a visitor without a verifiable access cookie is sent to renew it from the refresh
//   cookie if there is one, else to /login, with `next` to come back.
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl
  const https = isHttps(request.headers)
  // Pages take no writes today, but a percent-encoded API path (`/%61pi/logout`) lands here, and a
  // server action added later would be one: refused from other sites as route() refuses them.
  if (isCrossSiteWrite(request)) {
    return NextResponse.json({ detail: 'Cross-site request refused' }, { status: 403, headers: { 'Cache-Control': 'no-store' } })
  }
  if (pathname === '/admin' || pathname.startsWith('/admin/')) {
    const access = request.cookies.get(cookieName('access', https))?.value
    if (access === undefined || (await verifyAccessToken(access)) === null) {
      const next = pathname + search
      const renew = request.cookies.has(cookieName('refresh', https))
      const target = renew ? `/api/token/renew?next=${encodeURIComponent(next)}` : loginPath(next)
      return withHsts(https, NextResponse.redirect(new URL(target, request.url)))
    }
  }
  return withHsts(https, withPageCsp(request, https))
}

/**
 * A strict Content-Security-Policy for pages: scripts and styles only from this origin or with
 * this response's nonce, which Next puts on its own inline scripts (it reads the policy from the
 * request). No plugins, no framing, forms only to this origin.
 * /docs (Swagger UI, app/docs/route.ts) runs under this same policy with nothing relaxed: its two
 * scripts and its style block carry the nonce, read from the request as Next reads it, and it sets
 * inline styles only through element.style (the CSSOM), which style-src does not govern.
 * tests/e2e/docs.spec.ts fails on any violation there.
 */
function withPageCsp(request: NextRequest, https: boolean): NextResponse {
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
    ...(https ? ['upgrade-insecure-requests'] : []),
  ].join('; ')
  const headers = new Headers(request.headers)
  headers.set('content-security-policy', policy)
  const response = NextResponse.next({ request: { headers } })
  response.headers.set('Content-Security-Policy', policy)
  return response
}

function withHsts(https: boolean, response: NextResponse): NextResponse {
  if (https) response.headers.set('Strict-Transport-Security', hstsHeader())
  return response
}

export const config = {
  // Not the API (route() serves it), not static assets.
  matcher: ['/((?!api/|api$|_next/static|_next/image|favicon.ico).*)'],
}
