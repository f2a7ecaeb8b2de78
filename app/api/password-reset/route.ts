import { readClient } from '@/lib/request/client'
import { json, otherMethods, parseJson, problem, route, tooManyRequests } from '@/lib/request/http'
import { requestPasswordReset } from '@/lib/signin/recovery'
import { PasswordResetRequestSchema } from '@/lib/credentials/validation'

// The same 202 for every account, known or not; the mail (if any) goes out after the response.
export const POST = route(async (request) => {
  const body = await parseJson(request, PasswordResetRequestSchema)
  if (!body.ok) return body.response
  const result = await requestPasswordReset(body.data, readClient(request))
  if (result.ok) return json({ detail: 'If the account exists, a message is on its way.' }, 202)
  if (result.reason === 'throttled') return tooManyRequests(result.retryAfter)
  return problem(503, 'This server sends no mail: ask an administrator for a password reset link.')
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
