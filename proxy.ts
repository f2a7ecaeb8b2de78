import { type NextRequest, NextResponse } from 'next/server'
import { ACCESS_COOKIE, verifyAccessToken } from '@/lib/tokens'

// The quick checks only, never the database: the real decision is made by lib/auth.ts on every
// request. (1) `/api/users/me/` is answered like `/api/users/me`, as FastAPI's tutorial clients
// expect, instead of a redirect. (2) A visitor without a verifiable session cookie is sent from
// /admin to /login, with `next` to come back.
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const { search } = request.nextUrl
  const pathname = request.nextUrl.pathname.replace(/(.)\/+$/, '$1')
  if (pathname === '/admin' || pathname.startsWith('/admin/')) {
    const token = request.cookies.get(ACCESS_COOKIE)?.value
    if (token === undefined || (await verifyAccessToken(token)) === null) {
      // `next=/admin` rather than `next=%2Fadmin`: both decode the same; this one reads as a path.
      const next = encodeURIComponent(pathname + search).replace(/%2F/g, '/')
      return NextResponse.redirect(new URL(`/login?next=${next}`, request.url))
    }
  }
  if (pathname !== request.nextUrl.pathname) return NextResponse.rewrite(new URL(pathname + search, request.url))
  return NextResponse.next()
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
