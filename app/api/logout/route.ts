import { requireUser } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { clearSessionCookies } from '@/lib/request/cookies'
import { otherMethods, route } from '@/lib/request/http'
import { endSession } from '@/lib/signin/sessions'

// Ends this session: its access and refresh tokens stop working on every instance at once. The
// cookies are cleared even when the session was already gone, so a stale browser is never stuck
// half signed in.
export const POST = route(async (request) => {
  const auth = await requireUser(request, { beforeEnrolment: true })
  const client = readClient(request)
  await clearSessionCookies(client)
  if (auth instanceof Response) return auth
  await endSession(auth.user.id, auth.sessionId, client)
  return new Response(null, { status: 204 })
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
