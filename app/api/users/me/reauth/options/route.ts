import { requireUser } from '@/lib/signin/auth'
import { PASSKEYS_OFF, beginPasskeyReauth } from '@/lib/signin/passkeys'
import { json, otherMethods, problem, route } from '@/lib/request/http'

// The options for a step-up with one of the caller's passkeys: the browser's answer goes to
// POST /api/users/me/reauth as {"passkey": ...}, from this session, within 5 minutes.
export const POST = route(async (request) => {
  const auth = await requireUser(request, { beforeEnrolment: true })
  if (auth instanceof Response) return auth
  const result = await beginPasskeyReauth(auth)
  if (result.ok) return json(result.options)
  return result.reason === 'off' ? problem(404, PASSKEYS_OFF) : problem(409, 'You have no passkey')
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
