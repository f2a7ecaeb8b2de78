import { requireUser } from '@/lib/auth'
import { readClient } from '@/lib/client'
import { json, otherMethods, parseJson, route, tooManyRequests } from '@/lib/http'
import { changeProfile } from '@/lib/recovery'
import { ProfileSchema } from '@/lib/validation'

// Personal access tokens may read the caller (a script checking whom its key belongs to), never
// change the profile.
export const GET = route(async (request) => {
  const auth = await requireUser(request, 'read')
  return auth instanceof Response ? auth : json(auth.user)
})

// Profile edit: email and full name; null clears a field, an absent one stays as it is. A new
// email is unverified until the link mailed to it is opened.
export const PATCH = route(async (request) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  const body = await parseJson(request, ProfileSchema)
  if (!body.ok) return body.response
  const result = await changeProfile(auth.user, { email: body.data.email, fullName: body.data.full_name }, readClient(request))
  return result.ok ? json(result.user) : tooManyRequests(result.retryAfter)
})

export const { POST, PUT, DELETE, OPTIONS } = otherMethods('GET', 'PATCH')
