import { requireUser } from '@/lib/auth'
import { json, otherMethods, parseJson, route } from '@/lib/http'
import { updateProfile } from '@/lib/users'
import { ProfileSchema } from '@/lib/validation'

// Personal access tokens may read the caller (a script checking whom its key belongs to), never
// change the profile.
export const GET = route(async (request) => {
  const auth = await requireUser(request, 'read')
  return auth instanceof Response ? auth : json(auth.user)
})

// Profile edit: email and full name; null clears a field, an absent one stays as it is.
export const PATCH = route(async (request) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  const body = await parseJson(request, ProfileSchema)
  if (!body.ok) return body.response
  return json(await updateProfile(auth.user.id, { email: body.data.email, fullName: body.data.full_name }))
})

export const { POST, PUT, DELETE, OPTIONS } = otherMethods('GET', 'PATCH')
