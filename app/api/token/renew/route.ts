import { renewPageSession } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { otherMethods, route } from '@/lib/request/http'
import { loginPath, safeNextPath } from '@/lib/request/next-path'

// Where proxy.ts sends a page visit whose access cookie has expired while a refresh cookie is
// present: renew both cookies and go on to the page, or go to /login. A GET that a cross-site link
// could trigger, harmlessly: it can only rotate the visitor's own tokens in their own browser.
export const GET = route(async (request) => {
  const next = safeNextPath(new URL(request.url).searchParams.get('next'))
  const signedIn = await renewPageSession(readClient(request))
  return new Response(null, { status: 303, headers: { Location: signedIn ? next : loginPath(next) } })
})

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET')
