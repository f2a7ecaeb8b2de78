// Signing in and out: the token endpoint's two grants, the browser's renewal, sign-out.
import { z } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import { PasswordGrantSchema, RefreshGrantSchema } from '../credentials/validation'
import { FieldErrorsSchema, json, noContent, operation, problem, retryAfter } from './operation'

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

// The token endpoint's form: the two grants, as the handler parses them.
const TokenRequestSchema = z
  .union([
    PasswordGrantSchema.extend({ grant_type: z.literal('password').optional() }),
    RefreshGrantSchema.extend({ grant_type: z.literal('refresh_token') }),
  ])
  .meta({ id: 'TokenRequest' })

export const authPaths: ZodOpenApiPathsObject = {
  '/api/token': {
    post: operation({
      id: 'loginForAccessToken',
      summary: 'Get tokens: the password grant or the refresh grant',
      description:
        'Form-encoded (or multipart). Sets the browser session cookies too. `grant_type` defaults to `password`. ' +
        'The same answer and time whether the user exists or not.',
      tags: ['auth'],
      access: 'anyone',
      method: 'post',
      form: TokenRequestSchema,
      responses: {
        '200': { description: 'A new access token and refresh token.', ...json(TokenSchema) },
        '400': { description: 'A missing field, an unknown grant type, a disabled or locked account, or a bad refresh token.', ...json(OAuthProblemSchema) },
        '401': { description: 'Incorrect username or password.', headers: z.object({ 'WWW-Authenticate': z.string() }), ...json(OAuthProblemSchema) },
        '413': { description: 'The body is larger than 16 KiB.', ...json(OAuthProblemSchema) },
        '415': { description: 'The body is not a form (JSON, for instance).', ...json(OAuthProblemSchema) },
        '422': { description: 'A field is not valid text.', ...json(OAuthValidationProblemSchema) },
        '429': { description: 'Too many attempts for this name or address.', headers: retryAfter, ...json(OAuthProblemSchema) },
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
      responses: { '204': noContent('Ended; every token of the session stops working at once, and the cookies are cleared.') },
    }),
  },
}
