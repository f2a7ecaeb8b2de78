import { requireUser, sessionCookie } from '@/lib/auth'
import { otherMethods, route } from '@/lib/http'
import { endSession } from '@/lib/sessions'

// Ends this session: its tokens stop working on every instance at once. The cookie is cleared
// even when the session was already gone, so a stale browser is never stuck half signed in.
export const POST = route(async (request) => {
  const auth = await requireUser(request)
  const clear = { 'Set-Cookie': sessionCookie(request, null) }
  if (auth instanceof Response) {
    auth.headers.append('Set-Cookie', clear['Set-Cookie'])
    return auth
  }
  await endSession(auth.sessionId)
  return new Response(null, { status: 204, headers: clear })
})

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST')
