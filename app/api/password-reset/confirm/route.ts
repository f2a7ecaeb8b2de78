import { resetPasswordWithLink } from '@/lib/signin/account'
import { readClient } from '@/lib/request/client'
import { fieldProblem, otherMethods, parseJson, problem, route } from '@/lib/request/http'
import { NOT_USERNAME, PasswordResetConfirmSchema } from '@/lib/credentials/validation'

// A new password from a reset link: every session and personal access token of the user ends.
export const POST = route(async (request) => {
  const body = await parseJson(request, PasswordResetConfirmSchema)
  if (!body.ok) return body.response
  const result = await resetPasswordWithLink(body.data.token, body.data.new_password, readClient(request))
  if (result.ok) return new Response(null, { status: 204 })
  return result.reason === 'password_is_username' ? fieldProblem('new_password', NOT_USERNAME) : problem(400, 'Invalid or expired reset link')
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
