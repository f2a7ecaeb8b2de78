import type { z } from 'zod'
import { hstsHeader, isHttps } from './client'
import { corsHeaders, isCrossSiteWrite, preflightHeaders } from './cross-origin'
import { SCHEMA_BEHIND, isSchemaBehind, isUnavailable } from '../platform/db'
import { describeError } from '../platform/log'
import { retryMessage } from './rate-limit'

// The API's request pipeline (route()), request parsing, and FastAPI-compatible responses: errors
// are {"detail": ...}; validation errors are 422 with a list of {loc, msg, type}.

export const MAX_BODY_BYTES = 16 * 1024

export type Parsed<T> = { ok: true; data: T } | { ok: false; response: Response }

export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  return Response.json(body, { status, headers })
}

export function problem(status: number, detail: string, headers?: HeadersInit, extra?: Record<string, string | number | string[]>): Response {
  return json({ ...extra, detail }, status, headers)
}

/** 429 with Retry-After (RFC 6585) and a detail that says when. */
export function tooManyRequests(retryAfter: number, extra?: Record<string, string>): Response {
  return problem(429, retryMessage(retryAfter), { 'Retry-After': String(retryAfter) }, extra)
}

export type FieldError = { loc: (string | number)[]; msg: string; type: string }

// zod's issue codes in the names pydantic (and so FastAPI) gives them.
const ERROR_TYPES: Record<string, string> = {
  too_small: 'string_too_short',
  too_big: 'string_too_long',
  invalid_type: 'string_type',
  invalid_format: 'value_error',
  custom: 'value_error',
}

export function validationProblem(error: z.ZodError, input: unknown, where: 'body' | 'query' | 'path' = 'body'): Response {
  const detail: FieldError[] = error.issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined
    return {
      loc: [where, ...issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key))],
      msg: missing ? 'Field required' : issue.message,
      type: missing ? 'missing' : (ERROR_TYPES[issue.code] ?? issue.code),
    }
  })
  return json({ detail }, 422)
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current = input
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

/** 422 for one field, in FastAPI's shape: a rule that could be checked only after parsing. */
export function fieldProblem(field: string, msg: string): Response {
  return json({ detail: [{ loc: ['body', field], msg, type: 'value_error' }] satisfies FieldError[] }, 422)
}

function bodyProblem(msg: string, type: string): Response {
  return json({ detail: [{ loc: ['body'], msg, type }] satisfies FieldError[] }, 422)
}

/** The raw body, refused with 413 past MAX_BODY_BYTES before any of it is parsed. */
async function readBody(request: Request): Promise<Parsed<Uint8Array<ArrayBuffer>>> {
  const tooLarge = (): Parsed<Uint8Array<ArrayBuffer>> => ({
    ok: false,
    response: problem(413, `Request body is larger than ${MAX_BODY_BYTES} bytes`),
  })
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) return tooLarge()
  if (request.body === null) return { ok: true, data: new Uint8Array() }
  const chunks: Uint8Array<ArrayBuffer>[] = []
  let size = 0
  const reader = request.body.getReader()
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array<ArrayBuffer>>
    try {
      chunk = await reader.read()
    } catch {
      // The body stopped arriving and its connection was closed: the client went away, or missed
      // the request deadline (scripts/start.mjs). An expected end, not a server error; nobody is
      // left to read this answer.
      return { ok: false, response: problem(400, 'The request body did not arrive in full') }
    }
    const { done, value } = chunk
    if (done) break
    size += value.byteLength
    if (size > MAX_BODY_BYTES) {
      await reader.cancel()
      return tooLarge()
    }
    chunks.push(value)
  }
  return { ok: true, data: new Uint8Array(Buffer.concat(chunks)) }
}

function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
}

/** A JSON object body checked against `schema`: 415, 413, or 422 (FastAPI's shapes) otherwise. */
export async function parseJson<S extends z.ZodType>(request: Request, schema: S): Promise<Parsed<z.infer<S>>> {
  if (mediaType(request) !== 'application/json') {
    return { ok: false, response: problem(415, 'Content-Type must be application/json') }
  }
  const body = await readBody(request)
  if (!body.ok) return body
  let input: unknown
  try {
    input = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body.data))
  } catch {
    return { ok: false, response: bodyProblem('Body is not valid JSON in UTF-8', 'json_invalid') }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, response: bodyProblem('Body must be a JSON object', 'model_attributes_type') }
  }
  const parsed = schema.safeParse(input)
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, response: validationProblem(parsed.error, input) }
}

/** The query string checked against `schema` (each parameter once): 422 in FastAPI's shape otherwise. */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S): Parsed<z.infer<S>> {
  const input = Object.fromEntries(new URL(request.url).searchParams)
  const parsed = schema.safeParse(input)
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, response: validationProblem(parsed.error, input, 'query') }
}

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data'])

/**
 * A form body (urlencoded, or multipart as browsers send FormData) as text fields. Invalid UTF-8
 * decodes to U+FFFD; such a value is refused rather than stored altered.
 */
export async function readForm(request: Request): Promise<Parsed<Record<string, string>>> {
  if (!FORM_TYPES.has(mediaType(request))) {
    return {
      ok: false,
      response: problem(415, 'Content-Type must be application/x-www-form-urlencoded or multipart/form-data'),
    }
  }
  const body = await readBody(request)
  if (!body.ok) return body
  let form: FormData
  try {
    form = await new Response(body.data, { headers: { 'content-type': request.headers.get('content-type')! } }).formData()
  } catch {
    return { ok: false, response: bodyProblem('Body is not a valid form', 'form_invalid') }
  }
  const fields: Record<string, string> = {}
  for (const [name, value] of form) {
    if (typeof value !== 'string' || value.includes('\uFFFD')) {
      return { ok: false, response: bodyProblem(`Field "${name.slice(0, 64)}" must be UTF-8 text`, 'string_type') }
    }
    fields[name] ??= value
  }
  return { ok: true, data: fields }
}

type Handler<C> = (request: Request, context: C) => Promise<Response>

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'

/**
 * 405 in FastAPI's shape ({"detail"} and an Allow header) for the methods a route does not serve;
 * Next's own 405 has an empty body. OPTIONS answers CORS preflights (and otherwise lists the
 * methods). Use as `export const { GET, PUT, OPTIONS } = otherMethods('POST')`.
 */
export function otherMethods(...allowed: Exclude<Method, 'OPTIONS'>[]): Record<Method, Handler<unknown>> {
  const refuse = route(async () => problem(405, 'Method Not Allowed', { Allow: allowed.join(', ') }))
  const options = route(async () => new Response(null, { status: 204, headers: { Allow: [...allowed, 'OPTIONS'].join(', ') } }))
  return { GET: refuse, POST: refuse, PUT: refuse, PATCH: refuse, DELETE: refuse, OPTIONS: options }
}

const routed = new WeakSet<Function>()

/** True for a handler made by route(): a test checks that every API method is one. */
export function isRouted(handler: unknown): boolean {
  return typeof handler === 'function' && routed.has(handler)
}

/**
 * Every API request goes through here (route handlers only; proxy.ts serves pages). In order:
 * - a CORS preflight from a listed origin is answered;
 * - a state-changing request from another site is refused with 403 (CSRF) before the handler reads
 *   anything;
 * - the handler runs; an unexpected error becomes a generic 500 (or a 503 when the database is out
 *   of reach or its schema is behind), never a stack trace (OWASP ASVS 5.0 V16.5.1), with a log
 *   line that carries no request data;
 * - every response gets `Cache-Control: no-store`, CORS headers for a listed origin, and HSTS over
 *   https.
 */
export function route<C>(handler: Handler<C>): Handler<C> {
  const wrapped: Handler<C> = async (request, context) => {
    const preflight = request.method === 'OPTIONS' ? preflightHeaders(request) : null
    let response: Response
    if (preflight !== null) {
      response = new Response(null, { status: 204, headers: preflight })
    } else if (isCrossSiteWrite(request)) {
      response = problem(403, 'Cross-site request refused')
    } else {
      try {
        response = await handler(request, context)
      } catch (error) {
        if (isSchemaBehind(error)) {
          response = problem(503, SCHEMA_BEHIND) // logged once, at start-up (lib/request/startup.ts)
        } else {
          console.error(`${request.method} ${new URL(request.url).pathname}: ${describeError(error)}`)
          response = isUnavailable(error) ? problem(503, 'Service unavailable') : problem(500, 'Internal Server Error')
        }
      }
    }
    response.headers.set('Cache-Control', 'no-store')
    for (const [name, value] of Object.entries(corsHeaders(request) ?? {})) response.headers.set(name, value)
    if (isHttps(request.headers)) response.headers.set('Strict-Transport-Security', hstsHeader())
    return response
  }
  routed.add(wrapped)
  return wrapped
}
