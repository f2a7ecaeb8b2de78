import { type LogInResult, completeMfaLogIn, logIn, logInWithPasskey, refresh } from '@/lib/signin/auth'
import { PASSKEYS_OFF, refusalDetail } from '@/lib/signin/passkeys'
import { type Client, readClient } from '@/lib/request/client'
import { setSessionCookies } from '@/lib/request/cookies'
import { type FieldError, json, otherMethods, problem, readForm, route, tooManyRequests, validationProblem } from '@/lib/request/http'
import type { TokenPair } from '@/lib/credentials/tokens'
import { MFA_GRANT, MfaGrantSchema, PASSKEY_GRANT, PasskeyGrantSchema, PasswordGrantSchema, RefreshGrantSchema } from '@/lib/credentials/validation'

// RFC 6749's token endpoint, as FastAPI's tutorial serves it: the password grant (section 4.3;
// a first-party login that scripts and the login page share), the refresh grant (section 6), the
// second step of a sign-in with a second factor (MFA_GRANT: the mfa_token the password grant
// gave, and a code), and a passkey's answer (PASSKEY_GRANT: a sign-in on its own, or with an
// mfa_token that second step). Errors add RFC 6749's `error` code and `error_description` beside FastAPI's
// `detail`.

function tokenError(status: number, error: string, detail: string, headers?: HeadersInit): Response {
  return problem(status, detail, headers, { error })
}

// Said whatever the password, so it reveals nothing about it (docs/decisions/006-device-cookies.md).
const LOCKED_OUT =
  'Sign-in from new devices is locked after 100 failed attempts. Sign in from a browser you have signed in with before, or ask an administrator to unlock the account.'

async function tokenResponse(client: Client, tokens: TokenPair): Promise<Response> {
  await setSessionCookies(client, tokens)
  return json({
    access_token: tokens.accessToken,
    token_type: 'bearer',
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
  })
}

async function passwordGrant(client: Client, form: Record<string, string>): Promise<Response> {
  if (!form.username || !form.password) {
    return tokenError(400, 'invalid_request', 'username and password are required')
  }
  const parsed = PasswordGrantSchema.safeParse(form)
  if (!parsed.success) return validationProblem(parsed.error, form)
  return logInResponse(client, await logIn(parsed.data.username, parsed.data.password, client))
}

async function logInResponse(client: Client, result: LogInResult): Promise<Response> {
  if (result.ok) return tokenResponse(client, result.tokens)
  if (result.reason === 'throttled') return tooManyRequests(result.retryAfter, { error: 'temporarily_unavailable' })
  if (result.reason === 'inactive') return tokenError(400, 'invalid_grant', 'Inactive user')
  if (result.reason === 'locked_out') return tokenError(400, 'invalid_grant', LOCKED_OUT)
  if (result.reason === 'mfa_required') {
    const detail = result.methods.includes('otp')
      ? result.methods.includes('passkey')
        ? 'Use your passkey, or enter a code from your authenticator app (or a recovery code), to finish signing in'
        : 'Enter a code from your authenticator app (or a recovery code) to finish signing in'
      : 'Use your passkey to finish signing in'
    return problem(403, detail, undefined, { error: 'mfa_required', mfa_token: result.mfaToken, mfa_methods: result.methods })
  }
  return tokenError(401, 'invalid_grant', 'Incorrect username or password', { 'WWW-Authenticate': 'Bearer' })
}

async function mfaGrant(client: Client, form: Record<string, string>): Promise<Response> {
  if (!form.mfa_token || !form.otp) return tokenError(400, 'invalid_request', 'mfa_token and otp are required')
  const parsed = MfaGrantSchema.safeParse(form)
  if (!parsed.success) return validationProblem(parsed.error, form)
  const result = await completeMfaLogIn(parsed.data.mfa_token, parsed.data.otp, client)
  if (result.ok || result.reason === 'throttled') return logInResponse(client, result)
  if (result.reason === 'wrong_code') return tokenError(400, 'invalid_grant', 'Wrong code')
  if (result.reason === 'no_totp') return tokenError(400, 'invalid_grant', 'This account has no authenticator app: use a passkey')
  return tokenError(400, 'invalid_grant', 'Invalid or expired mfa_token: sign in again')
}

async function passkeyGrant(client: Client, form: Record<string, string>): Promise<Response> {
  if (!form.credential) return tokenError(400, 'invalid_request', 'credential is required')
  const parsed = PasskeyGrantSchema.safeParse(form)
  if (!parsed.success) return validationProblem(parsed.error, form)
  const result = await logInWithPasskey(parsed.data.credential, parsed.data.mfa_token, client)
  if (result.ok) return logInResponse(client, result)
  switch (result.reason) {
    case 'refused':
      return tokenError(400, 'invalid_grant', refusalDetail(result.refusal, result.origin))
    case 'invalid_mfa_token':
      return tokenError(400, 'invalid_grant', 'Invalid or expired mfa_token: sign in again')
    case 'off':
      return tokenError(400, 'unsupported_grant_type', PASSKEYS_OFF)
    default:
      return logInResponse(client, result)
  }
}

async function refreshGrant(client: Client, form: Record<string, string>): Promise<Response> {
  if (!form.refresh_token) return tokenError(400, 'invalid_request', 'refresh_token is required')
  const parsed = RefreshGrantSchema.safeParse(form)
  const result = parsed.success ? await refresh(parsed.data.refresh_token, client) : null
  if (result?.ok) return tokenResponse(client, result.tokens)
  return tokenError(400, 'invalid_grant', 'Invalid or expired refresh token')
}

/**
 * Every error of this endpoint in RFC 6749's shape (section 5.2) as well as FastAPI's: its `error`
 * code, and `error_description`, which OAuth2 libraries show (Authlib, openid-client), saying what
 * `detail` says. The body's own problems (413, 415, 422) are `invalid_request`; a 422's list of
 * fields is described in one line.
 */
async function withOAuthError(response: Response): Promise<Response> {
  if (response.status < 400) return response
  const { error = 'invalid_request', detail, ...rest } = (await response.json()) as { error?: string; detail: string | FieldError[] }
  const description = typeof detail === 'string' ? detail : detail.map(({ loc, msg }) => (loc.length > 1 ? `${loc.slice(1).join('.')}: ${msg}` : msg)).join('; ')
  return json({ error, error_description: description, detail, ...rest }, response.status, response.headers)
}

async function grant(request: Request): Promise<Response> {
  const form = await readForm(request)
  if (!form.ok) return form.response
  const grantType = form.data.grant_type || 'password'
  if (grantType === 'password') return passwordGrant(readClient(request), form.data)
  if (grantType === 'refresh_token') return refreshGrant(readClient(request), form.data)
  if (grantType === MFA_GRANT) return mfaGrant(readClient(request), form.data)
  if (grantType === PASSKEY_GRANT) return passkeyGrant(readClient(request), form.data)
  return tokenError(400, 'unsupported_grant_type', `grant_type must be "password", "refresh_token", "${MFA_GRANT}" or "${PASSKEY_GRANT}"`)
}

export const POST = route(async (request) => withOAuthError(await grant(request)))

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
