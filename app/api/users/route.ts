import { signUp } from '@/lib/auth'
import { readClient } from '@/lib/client'
import { getEnv } from '@/lib/env'
import { json, otherMethods, parseJson, problem, route, tooManyRequests } from '@/lib/http'
import { SignUpSchema } from '@/lib/validation'

// Sign-up. 200 rather than 201: the FastAPI tutorial's clients check for 200.
export const POST = route(async (request) => {
  if (getEnv().SIGNUP === 'closed') return problem(403, 'Sign-up is closed')
  const body = await parseJson(request, SignUpSchema)
  if (!body.ok) return body.response
  const { username, password, email, full_name: fullName } = body.data
  const result = await signUp({ username, email, fullName }, password, readClient(request))
  if (result.ok) return json(result.user)
  return result.reason === 'throttled' ? tooManyRequests(result.retryAfter) : problem(409, 'Username already registered')
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
