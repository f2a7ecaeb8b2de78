import { invalidToken, requireUser } from '@/lib/signin/auth'
import { startTotp, turnOffTotp } from '@/lib/signin/mfa'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, problem, route } from '@/lib/request/http'

// Starts setting TOTP up: a new secret and its otpauth:// URI (the page draws the QR code from
// it). Nothing changes at sign-in until a code confirms it (./confirm).
export const POST = route(async (request) => {
  const auth = await requireUser(request, { fresh: true, beforeEnrolment: true })
  if (auth instanceof Response) return auth
  const result = await startTotp(auth)
  return result.ok ? json(result.setup) : problem(409, 'Two-step sign-in is already on: turn it off first to set up a new authenticator.')
})

// Turns TOTP off, with its recovery codes.
export const DELETE = route(async (request) => {
  const auth = await requireUser(request, { fresh: true })
  if (auth instanceof Response) return auth
  const result = await turnOffTotp(auth, readClient(request))
  if (result.ok) return new Response(null, { status: 204 })
  if (result.reason === 'session_ended') return invalidToken()
  return problem(409, result.reason === 'required' ? 'Your account must keep two-step sign-in on.' : 'Two-step sign-in is not on.')
})

export const { GET, PUT, PATCH, OPTIONS } = otherMethods('POST', 'DELETE')
