import { changeProfile } from '@/lib/signin/account'
import { describeMe, invalidToken, reauthRequired, requireUser } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { fieldProblem, json, otherMethods, parseJson, problem, route, tooManyRequests } from '@/lib/request/http'
import { ProfileSchema } from '@/lib/credentials/validation'

// Personal access tokens may read the caller (a script checking whom its key belongs to), never
// change the profile. Answers before a required second factor is set up: the page asks it.
export const GET = route(async (request) => {
  const auth = await requireUser(request, { keys: 'read', beforeEnrolment: true })
  return auth instanceof Response ? auth : json(describeMe(auth))
})

// Profile edit: email and full name; null clears a field, an absent one stays as it is. A new
// email needs the current password and a fresh sign-in, and is unverified until the link mailed
// to it is opened.
export const PATCH = route(async (request) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  const body = await parseJson(request, ProfileSchema)
  if (!body.ok) return body.response
  const { email, full_name: fullName, current_password: currentPassword } = body.data
  const result = await changeProfile(auth, { email, fullName, currentPassword }, readClient(request))
  if (result.ok) return json(describeMe({ ...auth, user: result.user }))
  switch (result.reason) {
    case 'reauth_required':
      return reauthRequired()
    case 'throttled':
      return tooManyRequests(result.retryAfter)
    case 'password_required':
      return fieldProblem('current_password', 'Enter your current password to change your email address')
    case 'wrong_password':
      return problem(400, 'Current password is incorrect')
    case 'session_ended':
      return invalidToken()
  }
})

export const { POST, PUT, DELETE, OPTIONS } = otherMethods('GET', 'PATCH')
