// The building blocks of the OpenAPI document: the error shapes every route shares, and
// operation(), which adds the answers every route gives besides its own.
import { z } from 'zod'
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from 'zod-openapi'

export const timestamp = z.iso.datetime({ offset: true })

export const ProblemSchema = z.strictObject({ detail: z.string() }).meta({ id: 'Problem', description: "FastAPI's error shape." })

export const FieldErrorsSchema = z.array(z.strictObject({ loc: z.array(z.union([z.string(), z.int()])), msg: z.string(), type: z.string() }))

export const ValidationProblemSchema = z
  .strictObject({ detail: FieldErrorsSchema })
  .meta({ id: 'ValidationProblem', description: "FastAPI's 422: one entry per field, `loc` naming it." })

// The two refusals requireUser (lib/signin/auth.ts) gives a signed-in caller beside its plain 403s.
export const ReauthRequiredSchema = z
  .strictObject({
    error: z.literal('reauth_required'),
    detail: z.string(),
    max_age: z.int().meta({ description: 'How recent the sign-in must be, in seconds (REAUTH_MAX_AGE_MINUTES).' }),
  })
  .meta({
    id: 'ReauthRequired',
    description: 'The session last proved who its user is too long ago for this action: confirm at `POST /api/users/me/reauth`, then repeat the request.',
  })

export const MfaEnrollmentRequiredSchema = z
  .strictObject({ error: z.literal('mfa_enrollment_required'), detail: z.string() })
  .meta({
    id: 'MfaEnrollmentRequired',
    description: 'MFA_REQUIRED covers this user, who has no second factor yet: set one up at `POST /api/users/me/mfa/totp` first.',
  })

// Each response schema describes exactly what its module returns: a change on either side that
// the other does not follow fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
export function describes<A, B>(..._: Same<A, B> extends true ? [] : [never]): void {}

type Access = 'anyone' | 'session' | 'read' | 'write' | 'admin'

export const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } })
export const problem = (description: string): ZodOpenApiResponseObject => ({ description, ...json(ProblemSchema) })
export const retryAfter = z.object({ 'Retry-After': z.string().meta({ description: 'Seconds to wait.' }) })
export const noContent = (description: string): ZodOpenApiResponseObject => ({ description })

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  anyone: [],
  session: [{ OAuth2PasswordBearer: [] }],
  admin: [{ OAuth2PasswordBearer: [] }],
  read: [{ OAuth2PasswordBearer: [] }, { PersonalAccessToken: [] }],
  write: [{ OAuth2PasswordBearer: [] }, { PersonalAccessToken: [] }],
}

const FORBIDDEN: Record<Exclude<Access, 'anyone'>, string> = {
  session: 'Called with a personal access token, which cannot manage keys, sessions, passwords, the second factor or users.',
  admin: 'Not an admin, or called with a personal access token.',
  read: '',
  write: 'A personal access token without the `write` scope.',
}

type Spec = {
  /** The operationId: what generated clients name the call. */
  id: string
  summary: string
  description?: string
  tags: string[]
  access: Access
  method: 'get' | 'post' | 'patch' | 'delete'
  body?: z.ZodType
  /** A form body instead of JSON (the token endpoint). */
  form?: z.ZodType
  params?: { path?: z.ZodObject; query?: z.ZodObject }
  /** Needs a sign-in within REAUTH_MAX_AGE_MINUTES (requireUser's and requireAdmin's `fresh`). */
  fresh?: boolean
  /** Answers a user whom MFA_REQUIRED still asks to set up a second factor (requireUser's `beforeEnrolment`). */
  beforeEnrolment?: boolean
  responses: ZodOpenApiResponsesObject
}

const reauthChallenge = z.object({
  'WWW-Authenticate': z
    .string()
    .optional()
    .meta({ description: 'With `reauth_required`: `Bearer error="insufficient_user_authentication", error_description="...", max_age="<seconds>"`.' }),
})

/**
 * The 403 of a route with a caller: the plain refusals (`text`, `{"detail"}`), `reauth_required`
 * where the route needs a fresh sign-in, and `mfa_enrollment_required` unless the route answers
 * before enrolment. Undefined when the route has none of them.
 */
function refusals(text: string, spec: Spec): ZodOpenApiResponseObject | undefined {
  const cases: { description: string; schema: z.ZodType }[] = []
  if (text !== '') cases.push({ description: text, schema: ProblemSchema })
  if (spec.fresh) {
    cases.push({
      description: '`reauth_required`: the session\'s last sign-in is older than REAUTH_MAX_AGE_MINUTES (RFC 9470); confirm at `POST /api/users/me/reauth` and repeat.',
      schema: ReauthRequiredSchema,
    })
  }
  if (!spec.beforeEnrolment) cases.push({ description: '`mfa_enrollment_required`: MFA_REQUIRED asks this user to set up a second factor first.', schema: MfaEnrollmentRequiredSchema })
  if (cases.length === 0) return undefined
  const schema = cases.length === 1 ? cases[0]!.schema : z.union(cases.map((item) => item.schema))
  return {
    description: cases.map((item) => item.description).join(' '),
    headers: spec.fresh ? reauthChallenge : undefined,
    ...json(schema),
  }
}

/**
 * One operation with the answers every route gives besides its own (lib/request/http.ts route() and
 * lib/signin/auth.ts requireUser): 401/403/429 where a caller is needed (the 403 with
 * `reauth_required` and `mfa_enrollment_required` where they apply), 413/415/422 where a JSON
 * body is read, 403 for a write from another site, and 500/503.
 */
export function operation(spec: Spec): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = { ...spec.responses }
  if (spec.access !== 'anyone') {
    responses['401'] = {
      description: 'No credentials, or an access token or key that is invalid, expired or ended.',
      headers: z.object({ 'WWW-Authenticate': z.string().meta({ description: '`Bearer`, or `Bearer error="invalid_token"`.' }) }),
      ...json(ProblemSchema),
    }
    const forbidden = [FORBIDDEN[spec.access], spec.method !== 'get' ? 'A write from another site (CSRF).' : ''].filter(Boolean).join(' ')
    const refused = refusals(forbidden, spec)
    if (refused !== undefined) responses['403'] ??= refused
    responses['429'] = { description: 'Too many failed key lookups from this address.', headers: retryAfter, ...json(ProblemSchema) }
  } else if (spec.method !== 'get') {
    responses['403'] ??= problem('A write from another site (CSRF).')
  }
  if (spec.body !== undefined) {
    responses['413'] ??= problem('The body is larger than 16 KiB.')
    responses['415'] ??= problem('The body is not `application/json`.')
  }
  if (spec.body !== undefined || spec.params?.query !== undefined) {
    responses['422'] ??= { description: 'A field breaks a rule.', ...json(ValidationProblemSchema) }
  }
  responses['500'] ??= problem('An unexpected error (never with details).')
  responses['503'] ??= problem('The database is out of reach, or its migrations are behind.')
  return {
    operationId: spec.id,
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    security: SECURITY[spec.access],
    requestParams: spec.params,
    requestBody:
      spec.form !== undefined
        ? { required: true, content: { 'application/x-www-form-urlencoded': { schema: spec.form }, 'multipart/form-data': { schema: spec.form } } }
        : spec.body === undefined
          ? undefined
          : { required: true, ...json(spec.body) },
    responses,
  }
}
