import { requireUser } from '@/lib/signin/auth'
import { json, otherMethods, route } from '@/lib/request/http'
import { listSessions } from '@/lib/signin/sessions'

// The caller's live sessions (devices), with `current` marking this one.
export const GET = route(async (request) => {
  const auth = await requireUser(request)
  return auth instanceof Response ? auth : json(await listSessions(auth.user.id, auth.sessionId))
})

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET')
