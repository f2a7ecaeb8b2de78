import { invalidToken, requireUser } from '@/lib/signin/auth'
import { removeOwnPasskey, renameOwnPasskey } from '@/lib/signin/passkeys'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, parseJson, problem, route } from '@/lib/request/http'
import { PasskeyIdSchema, PasskeyNameSchema } from '@/lib/credentials/validation'

type Params = { params: Promise<{ id: string }> }

// Renames one of the caller's passkeys.
export const PATCH = route(async (request, { params }: Params) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  const body = await parseJson(request, PasskeyNameSchema)
  if (!body.ok) return body.response
  const id = PasskeyIdSchema.safeParse((await params).id)
  const passkey = id.success ? await renameOwnPasskey(auth, id.data, body.data.name, readClient(request)) : null
  return passkey === null ? problem(404, 'Passkey not found') : json(passkey)
})

// Removes one: it no longer signs in. Needs a fresh sign-in.
export const DELETE = route(async (request, { params }: Params) => {
  const auth = await requireUser(request, { fresh: true })
  if (auth instanceof Response) return auth
  const id = PasskeyIdSchema.safeParse((await params).id)
  if (!id.success) return problem(404, 'Passkey not found')
  const result = await removeOwnPasskey(auth, id.data, readClient(request))
  if (result.ok) return new Response(null, { status: 204 })
  if (result.reason === 'session_ended') return invalidToken()
  if (result.reason === 'not_found') return problem(404, 'Passkey not found')
  return problem(409, 'Your account must keep a second factor: set up an authenticator app or another passkey first.')
})

export const { GET, POST, PUT, OPTIONS } = otherMethods('PATCH', 'DELETE')
