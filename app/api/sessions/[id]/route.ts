import { requireUser } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { clearSessionCookies } from '@/lib/request/cookies'
import { otherMethods, problem, route } from '@/lib/request/http'
import { endOwnSession } from '@/lib/signin/sessions'
import { SessionIdSchema } from '@/lib/credentials/validation'

// Ends one of the caller's sessions: that device is signed out on its next request. Another
// user's session, or one already ended, is a 404 (its existence is not the caller's business).
export const DELETE = route(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  const client = readClient(request)
  const id = SessionIdSchema.safeParse((await params).id)
  if (!id.success || !(await endOwnSession(auth.user.id, id.data, client))) return problem(404, 'Session not found')
  if (id.data === auth.sessionId) await clearSessionCookies(client)
  return new Response(null, { status: 204 })
})

export const { GET, POST, PUT, PATCH, OPTIONS } = otherMethods('DELETE')
