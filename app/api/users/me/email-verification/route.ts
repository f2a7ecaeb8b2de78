import { requireUser } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, problem, route, tooManyRequests } from '@/lib/request/http'
import { resendVerification } from '@/lib/signin/recovery'

// A new verification link to the caller's unverified address (the last one stops working).
export const POST = route(async (request) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  const result = await resendVerification(auth.user, readClient(request))
  if (result.ok) return json({ detail: `A verification link is on its way to ${auth.user.email}.` }, 202)
  switch (result.reason) {
    case 'throttled':
      return tooManyRequests(result.retryAfter)
    case 'no_email':
      return problem(409, 'Add an email address first.')
    case 'verified':
      return problem(409, 'Your email address is already verified.')
    case 'no_mail':
      return problem(503, 'This server sends no mail, so email addresses cannot be verified yet.')
  }
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
