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
  session: 'Called with a personal access token, which cannot manage keys, sessions, passwords or users.',
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
  responses: ZodOpenApiResponsesObject
}

/**
 * One operation with the answers every route gives besides its own (lib/request/http.ts route() and
 * lib/signin/auth.ts requireUser): 401/403/429 where a caller is needed, 413/415/422 where a JSON body is
 * read, 403 for a write from another site, and 500/503.
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
    if (forbidden !== '') responses['403'] ??= problem(forbidden)
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
