import { invalidToken, requireUser } from '@/lib/signin/auth'
import { confirmTotp } from '@/lib/signin/mfa'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, parseJson, problem, route, tooManyRequests } from '@/lib/request/http'
import { TotpConfirmSchema } from '@/lib/credentials/validation'

// Confirms the set-up with a code from the authenticator: TOTP is on, and the answer carries the
// recovery codes, shown this once.
export const POST = route(async (request) => {
  const auth = await requireUser(request, { fresh: true, beforeEnrolment: true })
  if (auth instanceof Response) return auth
  const body = await parseJson(request, TotpConfirmSchema)
  if (!body.ok) return body.response
  const result = await confirmTotp(auth, body.data.otp, readClient(request))
  if (result.ok) return json({ recovery_codes: result.recoveryCodes })
  switch (result.reason) {
    case 'throttled':
      return tooManyRequests(result.retryAfter)
    case 'wrong_code':
      return problem(400, 'Wrong code: enter the 6 digits your authenticator app shows now.')
    case 'session_ended':
      return invalidToken()
    default:
      return problem(409, 'No set-up in progress: start again.')
  }
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
