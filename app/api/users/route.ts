import { getEnv } from '@/lib/env'
import { json, otherMethods, parseJson, problem, route } from '@/lib/http'
import { createUser } from '@/lib/users'
import { SignUpSchema } from '@/lib/validation'

// Sign-up. 200 rather than 201: the FastAPI tutorial's clients check for 200.
export const POST = route(async (request) => {
  if (getEnv().SIGNUP === 'closed') return problem(403, 'Sign-up is closed')
  const body = await parseJson(request, SignUpSchema)
  if (!body.ok) return body.response
  const result = await createUser({
    username: body.data.username,
    password: body.data.password,
    email: body.data.email,
    fullName: body.data.full_name,
  })
  return result.ok ? json(result.user) : problem(409, 'Username already registered')
})

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST')
