import { invalidToken, requireUser } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, parseJson, problem, route, tooManyRequests } from '@/lib/request/http'
import { MAX_KEYS, createKey, listKeys } from '@/lib/signin/keys'
import { NewKeySchema } from '@/lib/credentials/validation'

// Personal access tokens, managed only by a caller signed in with a password (a key is refused
// with 403 by requireUser): a stolen key cannot mint more keys or hide itself.
export const GET = route(async (request) => {
  const auth = await requireUser(request)
  return auth instanceof Response ? auth : json(await listKeys(auth.user.id))
})

// The new key is in this answer only; it is stored as a hash. Only from a fresh sign-in: a stolen
// session must not mint a credential that outlives it.
export const POST = route(async (request) => {
  const auth = await requireUser(request, { fresh: true })
  if (auth instanceof Response) return auth
  const body = await parseJson(request, NewKeySchema)
  if (!body.ok) return body.response
  const result = await createKey({ userId: auth.user.id, sessionId: auth.sessionId }, body.data, readClient(request))
  if (result.ok) return json(result.key, 201)
  if (result.reason === 'throttled') return tooManyRequests(result.retryAfter)
  // The session ended (or the user was disabled) while this request was on its way.
  if (result.reason === 'session_ended') return invalidToken()
  return problem(409, `You already have ${MAX_KEYS} tokens: delete one first`)
})

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST')
