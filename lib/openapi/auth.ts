// Signing in and out: the token endpoint's four grants, the browser's renewal, sign-out. The
// options that begin a passkey sign-in are in ./passkeys.ts.
import { z } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import { MFA_GRANT, MfaGrantSchema, PASSKEY_GRANT, PasskeyGrantSchema, PasswordGrantSchema, RefreshGrantSchema } from '../credentials/validation'
import type { MfaMethod } from '../signin/auth'
import { FieldErrorsSchema, ProblemSchema, describes, json, noContent, operation, problem, retryAfter } from './operation'

const TokenSchema = z
  .strictObject({
    access_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.int().meta({ description: 'Seconds until the access token expires.' }),
    refresh_token: z.string(),
  })
  .meta({ id: 'Token' })

// RFC 6749 section 5.2's fields, beside FastAPI's `detail`, on every error of /api/token.
const oauthError = {
  error: z.enum(['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'temporarily_unavailable']),
  error_description: z.string().meta({ description: 'What `detail` says, in one line: what OAuth2 libraries show.' }),
}

const OAuthProblemSchema = z
  .strictObject({ ...oauthError, detail: z.string() })
  .meta({ id: 'OAuthProblem', description: "RFC 6749's `error` and `error_description`, with FastAPI's `detail`." })

const OAuthValidationProblemSchema = z
  .strictObject({ ...oauthError, detail: FieldErrorsSchema })
  .meta({ id: 'OAuthValidationProblem', description: "FastAPI's 422 list, with RFC 6749's `invalid_request` and the list in one line." })

const MfaMethodSchema = z.enum(['passkey', 'otp'])
describes<z.output<typeof MfaMethodSchema>, MfaMethod>()

// A right password of a user with a second factor: no tokens yet, the second step is owed.
const MfaRequiredSchema = z
  .strictObject({
    error: z.literal('mfa_required'),
    error_description: z.string(),
    detail: z.string(),
    mfa_token: z.string().meta({
      description: `For the second step (\`grant_type=${MFA_GRANT}\`, or \`${PASSKEY_GRANT}\` after \`POST /api/passkeys/options\`): single use, valid 5 minutes and for 5 wrong codes.`,
    }),
    mfa_methods: z
      .array(MfaMethodSchema)
      .min(1)
      .meta({ description: 'The second factors the account has, in this order: `passkey`, `otp` (an authenticator app; its recovery codes with it).' }),
  })
  .meta({ id: 'MfaRequired', description: 'The password was right; a passkey or a code of the second factor finishes the sign-in.' })

// The token endpoint's form: the four grants, as the handler parses them.
const TokenRequestSchema = z
  .union([
    PasswordGrantSchema.extend({ grant_type: z.literal('password').optional() }),
    RefreshGrantSchema.extend({ grant_type: z.literal('refresh_token') }),
    MfaGrantSchema.extend({
      grant_type: z.literal(MFA_GRANT),
      mfa_token: MfaGrantSchema.shape.mfa_token.meta({ description: 'From the password grant\'s 403 `mfa_required`.' }),
      otp: MfaGrantSchema.shape.otp.meta({ description: 'A 6-digit code of the authenticator app (spaces allowed), or a recovery code.' }),
    }),
    PasskeyGrantSchema.extend({
      grant_type: z.literal(PASSKEY_GRANT),
      credential: PasskeyGrantSchema.shape.credential.meta({
        description: 'The browser\'s `AuthenticationResponseJSON` (from `startAuthentication()`), as a JSON string, answering `POST /api/passkeys/options`.',
      }),
      mfa_token: PasskeyGrantSchema.shape.mfa_token.meta({ description: 'With it, the second step of that password sign-in (the options were asked with the same `mfa_token`).' }),
    }),
  ])
  .meta({ id: 'TokenRequest' })

export const authPaths: ZodOpenApiPathsObject = {
  '/api/token': {
    post: operation({
      id: 'loginForAccessToken',
      summary: 'Get tokens: the password grant, the refresh grant, the second step of a two-step sign-in, or a passkey',
      description:
        'Form-encoded (or multipart). Sets the browser session cookies too. `grant_type` defaults to `password`. ' +
        'The same answer and time whether the user exists or not. ' +
        `A user with a second factor (TOTP or a passkey) gets 403 \`mfa_required\` with an \`mfa_token\` and \`mfa_methods\` for a right password, and no tokens: ` +
        `\`grant_type=${MFA_GRANT}\` with that \`mfa_token\` and \`otp\` (a TOTP code or a recovery code) finishes the sign-in, ` +
        `or \`grant_type=${PASSKEY_GRANT}\` with that \`mfa_token\` and a passkey's \`credential\`. ` +
        `The passkey grant without \`mfa_token\` is a whole sign-in, with no username and no password.`,
      tags: ['auth'],
      access: 'anyone',
      method: 'post',
      form: TokenRequestSchema,
      responses: {
        '200': { description: 'A new access token and refresh token.', ...json(TokenSchema) },
        '400': {
          description:
            'A missing field, an unknown grant type, a disabled or locked account, a bad refresh token, ' +
            'or (the second step) a wrong code or an `mfa_token` that is invalid, expired, used, or void since the credentials of the user changed; ' +
            'a code for an account that has only passkeys; a passkey\'s answer refused (`detail` says why: the challenge, the origin or RP ID, a passkey unknown or another account\'s, ' +
            'no user verification, a signature counter gone backwards, a malformed answer); ' +
            'the passkey grant on a production server without `APP_URL` (`unsupported_grant_type`: passkeys are off).',
          ...json(OAuthProblemSchema),
        },
        '401': { description: 'Incorrect username or password.', headers: z.object({ 'WWW-Authenticate': z.string() }), ...json(OAuthProblemSchema) },
        '403': {
          description: '`mfa_required`: the password was right and the user has a second factor (no session, no cookies); or a write from another site (CSRF).',
          ...json(z.union([MfaRequiredSchema, ProblemSchema])),
        },
        '413': { description: 'The body is larger than 16 KiB.', ...json(OAuthProblemSchema) },
        '415': { description: 'The body is not a form (JSON, for instance).', ...json(OAuthProblemSchema) },
        '422': { description: 'A field is not valid text.', ...json(OAuthValidationProblemSchema) },
        '429': { description: 'Too many attempts (passwords, codes or passkeys) for this name, passkey or address.', headers: retryAfter, ...json(OAuthProblemSchema) },
      },
    }),
  },
  '/api/token/renew': {
    get: operation({
      id: 'renewSession',
      summary: 'Renew the browser session from its refresh cookie, then go on',
      description: 'For browsers: pages send a visitor here when the access cookie has expired.',
      tags: ['auth'],
      access: 'anyone',
      method: 'get',
      params: { query: z.object({ next: z.string().optional().meta({ description: 'A path on this site to go on to.' }) }) },
      responses: { '303': { description: 'To `next` when renewed, else to `/login`.', headers: z.object({ Location: z.string() }) } },
    }),
  },
  '/api/logout': {
    post: operation({
      id: 'logout',
      summary: 'Sign out: end this session',
      tags: ['auth'],
      access: 'session',
      method: 'post',
      beforeEnrolment: true,
      responses: { '204': noContent('Ended; every token of the session stops working at once, and the cookies are cleared.') },
    }),
  },
}
