import { listPasskeys } from '@/lib/accounts/passkeys'
import { invalidToken, requireUser } from '@/lib/signin/auth'
import { PASSKEYS_OFF, TOO_MANY_PASSKEYS, finishRegistration, refusalDetail } from '@/lib/signin/passkeys'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, parseJson, problem, route } from '@/lib/request/http'
import { NewPasskeySchema } from '@/lib/credentials/validation'

// The caller's passkeys, newest first.
export const GET = route(async (request) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  return json(await listPasskeys(auth.user.id))
})

// Adds a passkey: the browser's answer to the options of ./options.
export const POST = route(async (request) => {
  const auth = await requireUser(request, { fresh: true, beforeEnrolment: true })
  if (auth instanceof Response) return auth
  const body = await parseJson(request, NewPasskeySchema)
  if (!body.ok) return body.response
  const result = await finishRegistration(auth, body.data.credential, body.data.name ?? 'Passkey', readClient(request))
  if (result.ok) return json(result.passkey, 201)
  switch (result.reason) {
    case 'refused':
      return problem(400, refusalDetail(result.refusal, result.origin))
    case 'duplicate':
      return problem(409, 'This passkey is already registered')
    case 'limit':
      return problem(409, TOO_MANY_PASSKEYS)
    case 'off':
      return problem(404, PASSKEYS_OFF)
    case 'session_ended':
      return invalidToken()
  }
})

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST')
