import { listDirectory } from '@/lib/operators/admin'
import { requireAdmin, signUp } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { getEnv } from '@/lib/platform/env'
import { json, otherMethods, parseJson, parseQuery, problem, route, tooManyRequests } from '@/lib/request/http'
import { DirectoryQuerySchema, SignUpSchema } from '@/lib/credentials/validation'

// The directory, for admins: newest first, `?q=` in usernames and emails, `?cursor=` for more.
export const GET = route(async (request) => {
  const admin = await requireAdmin(request)
  if (admin instanceof Response) return admin
  const query = parseQuery(request, DirectoryQuerySchema)
  if (!query.ok) return query.response
  return json(await listDirectory(query.data.q, query.data.cursor))
})

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

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST')
