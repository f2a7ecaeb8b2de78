import { logIn, sessionCookie } from '@/lib/auth'
import { json, otherMethods, problem, readForm, route, validationProblem } from '@/lib/http'
import { PasswordGrantSchema } from '@/lib/validation'

// The OAuth2 password grant (RFC 6749 section 4.3), as FastAPI's tutorial serves it: a first-party
// login endpoint that scripts and the login page share. Errors add RFC 6749's `error` code.

function tokenError(status: number, error: string, detail: string, headers?: HeadersInit): Response {
  return problem(status, detail, headers, { error })
}

export const POST = route(async (request) => {
  const form = await readForm(request)
  if (!form.ok) return form.response
  const grantType = form.data.grant_type || 'password'
  if (grantType !== 'password') {
    return tokenError(400, 'unsupported_grant_type', 'grant_type must be "password"')
  }
  if (!form.data.username || !form.data.password) {
    return tokenError(400, 'invalid_request', 'username and password are required')
  }
  const parsed = PasswordGrantSchema.safeParse(form.data)
  if (!parsed.success) return validationProblem(parsed.error, form.data)
  const result = await logIn(parsed.data.username, parsed.data.password, request)
  if (!result.ok) {
    return result.reason === 'inactive'
      ? tokenError(400, 'invalid_grant', 'Inactive user')
      : tokenError(401, 'invalid_grant', 'Incorrect username or password', { 'WWW-Authenticate': 'Bearer' })
  }
  return json(
    { access_token: result.accessToken, token_type: 'bearer', expires_in: result.expiresIn },
    200,
    { 'Set-Cookie': sessionCookie(request, result.accessToken, result.expiresIn) },
  )
})

export const { GET, PUT, PATCH, DELETE } = otherMethods('POST')
