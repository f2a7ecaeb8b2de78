import { changeOwnPassword } from '@/lib/signin/account'
import { requireUser } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { otherMethods, parseJson, problem, route, tooManyRequests } from '@/lib/request/http'
import { changePasswordSchema } from '@/lib/credentials/validation'

// A new password ends every other session of the user; this one stays signed in.
export const POST = route(async (request) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  const body = await parseJson(request, changePasswordSchema(auth.user.username))
  if (!body.ok) return body.response
  const result = await changeOwnPassword(auth, body.data.current_password, body.data.new_password, readClient(request))
  if (result.ok) return new Response(null, { status: 204 })
  return result.reason === 'throttled' ? tooManyRequests(result.retryAfter) : problem(400, 'Current password is incorrect')
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
