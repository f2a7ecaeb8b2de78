import { reauthenticate } from '@/lib/signin/account'
import { invalidToken, requireUser } from '@/lib/signin/auth'
import { PASSKEYS_OFF, refusalDetail } from '@/lib/signin/passkeys'
import { readClient } from '@/lib/request/client'
import { otherMethods, parseJson, problem, route, tooManyRequests } from '@/lib/request/http'
import { ReauthSchema } from '@/lib/credentials/validation'

// The step-up: the signed-in user proves who they are again, and the actions that need a fresh
// sign-in answer for the next REAUTH_MAX_AGE_MINUTES. No new tokens; never with a key.
export const POST = route(async (request) => {
  const auth = await requireUser(request, { beforeEnrolment: true })
  if (auth instanceof Response) return auth
  const body = await parseJson(request, ReauthSchema)
  if (!body.ok) return body.response
  const result = await reauthenticate(auth, body.data, readClient(request))
  if (result.ok) return new Response(null, { status: 204 })
  switch (result.reason) {
    case 'throttled':
      return tooManyRequests(result.retryAfter)
    case 'wrong_password':
      return problem(400, 'Incorrect password')
    case 'wrong_code':
      return problem(400, 'Wrong code')
    case 'code_required':
      return problem(400, auth.mfa.passkeys > 0 ? 'Confirm with your passkey or a code from your authenticator app' : 'Enter a code from your authenticator app or a recovery code')
    case 'password_required':
      return problem(400, 'Enter your password')
    case 'refused':
      return problem(400, refusalDetail(result.refusal, result.origin))
    case 'off':
      return problem(404, PASSKEYS_OFF)
    case 'session_ended':
      return invalidToken()
    case 'locked_out':
      return problem(403, 'Too many failed attempts on this account: sign out and sign in again, or ask an administrator to unlock it.')
  }
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
