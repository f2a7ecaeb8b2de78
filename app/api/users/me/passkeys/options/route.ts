import { requireUser } from '@/lib/signin/auth'
import { PASSKEYS_OFF, TOO_MANY_PASSKEYS, beginRegistration } from '@/lib/signin/passkeys'
import { json, otherMethods, problem, route } from '@/lib/request/http'

// Starts adding a passkey: the options for the browser's navigator.credentials.create. Its answer
// goes to POST /api/users/me/passkeys, from this session, within 5 minutes. Needs a fresh sign-in;
// a user whom MFA_REQUIRED holds back may add one (it is a second factor).
export const POST = route(async (request) => {
  const auth = await requireUser(request, { fresh: true, beforeEnrolment: true })
  if (auth instanceof Response) return auth
  const result = await beginRegistration(auth)
  if (result.ok) return json(result.options)
  return result.reason === 'off' ? problem(404, PASSKEYS_OFF) : problem(409, TOO_MANY_PASSKEYS)
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
