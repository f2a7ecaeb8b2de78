import { invalidToken, requireUser } from '@/lib/signin/auth'
import { renewRecoveryCodes } from '@/lib/signin/mfa'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, problem, route } from '@/lib/request/http'

// A new set of recovery codes, shown this once; the old set stops working.
export const POST = route(async (request) => {
  const auth = await requireUser(request, { fresh: true })
  if (auth instanceof Response) return auth
  const result = await renewRecoveryCodes(auth, readClient(request))
  if (result.ok) return json({ recovery_codes: result.recoveryCodes })
  return result.reason === 'session_ended' ? invalidToken() : problem(409, 'Two-step sign-in is not on.')
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
