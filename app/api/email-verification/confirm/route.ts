import { readClient } from '@/lib/request/client'
import { otherMethods, parseJson, problem, route } from '@/lib/request/http'
import { confirmEmail } from '@/lib/signin/recovery'
import { EmailVerificationConfirmSchema } from '@/lib/credentials/validation'

// The link mailed to a new address: opening it marks the address verified.
export const POST = route(async (request) => {
  const body = await parseJson(request, EmailVerificationConfirmSchema)
  if (!body.ok) return body.response
  const verified = await confirmEmail(body.data.token, readClient(request))
  return verified ? new Response(null, { status: 204 }) : problem(400, 'Invalid or expired verification link')
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
