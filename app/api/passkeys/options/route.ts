import { PASSKEYS_OFF, beginPasskeySignIn } from '@/lib/signin/passkeys'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, parseJson, problem, route, tooManyRequests } from '@/lib/request/http'
import { PasskeyOptionsSchema } from '@/lib/credentials/validation'

// The options for signing in with a passkey: `{}` for any passkey of this site (no username), or
// the password step's `{"mfa_token"}` for that user's passkeys (the second step). The browser's
// answer goes to POST /api/token (grant_type urn:passgate:params:oauth:grant-type:passkey) within
// 5 minutes, at any instance.
export const POST = route(async (request) => {
  const body = await parseJson(request, PasskeyOptionsSchema)
  if (!body.ok) return body.response
  const result = await beginPasskeySignIn(body.data.mfa_token, readClient(request))
  if (result.ok) return json(result.options)
  switch (result.reason) {
    case 'throttled':
      return tooManyRequests(result.retryAfter)
    case 'invalid_mfa_token':
      return problem(400, 'Invalid or expired mfa_token: sign in again')
    case 'no_passkey':
      return problem(400, 'This account has no passkey')
    case 'off':
      return problem(404, PASSKEYS_OFF)
  }
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
