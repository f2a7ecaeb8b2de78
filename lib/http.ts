import { isIP } from 'node:net'
import type { z } from 'zod'
import { isUnavailable } from './db'
import { getEnv } from './env'
import { describeError } from './log'
import { peerAddress } from './peer-address'
import { retryMessage } from './rate-limit'

// Request parsing and FastAPI-compatible responses: errors are {"detail": ...}; validation errors
// are 422 with a list of {loc, msg, type}.

export const MAX_BODY_BYTES = 16 * 1024

export type Parsed<T> = { ok: true; data: T } | { ok: false; response: Response }

export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  return Response.json(body, { status, headers })
}

export function problem(status: number, detail: string, headers?: HeadersInit, extra?: Record<string, string>): Response {
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

export function validationProblem(error: z.ZodError, input: unknown): Response {
  const detail: FieldError[] = error.issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined
    return {
      loc: ['body', ...issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key))],
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
    const { done, value } = await reader.read()
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

/**
 * Served over https, directly or behind a proxy that says so (the first X-Forwarded-Proto). Unlike
 * the client's address this needs no TRUST_PROXY: a client that claims https only adds protections
 * to its own response (Secure cookies it cannot send back over http; HSTS, which browsers ignore
 * over http).
 */
export function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === 'https:' || request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https'
}

/** Who is calling, as recorded on a session and counted by the throttles. */
export function clientInfo(request: Request): { userAgent: string | null; ip: string | null } {
  return { userAgent: request.headers.get('user-agent'), ip: clientIp(request) }
}

/**
 * The client's address: from the connection, unless TRUST_PROXY says which proxy header to
 * believe. Never a header a client could set on its own.
 */
export function clientIp(request: Request): string | null {
  const trust = getEnv().TRUST_PROXY
  let address: string | null | undefined
  if (trust === 'vercel') {
    address = request.headers.get('x-vercel-forwarded-for')?.split(',')[0] ?? request.headers.get('x-real-ip')
  } else if (trust > 0) {
    // Each proxy appends the address it saw: the N-th entry from the right was written by ours.
    // With fewer entries than proxies the header is not what we were promised: use the socket.
    const hops = (request.headers.get('x-forwarded-for') ?? '').split(',').map((hop) => hop.trim()).filter(Boolean)
    address = hops.length >= trust ? hops[hops.length - trust] : undefined
  }
  return normalizeIp(address ?? peerAddress(request) ?? '')
}

/**
 * One canonical form per client, or null for anything that is not an address: IPv4 as dotted
 * quad (also from IPv4-mapped IPv6 and "1.2.3.4:port"), IPv6 as its /64, the block one
 * subscriber usually controls.
 */
export function normalizeIp(raw: string): string | null {
  let address = raw.trim().slice(0, 100)
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address) // [::1]:443
  if (bracketed !== null) address = bracketed[1]!
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':')) // 1.2.3.4:5678
  address = address.replace(/%.*$/, '') // zone id
  if (isIP(address) === 4) return address
  if (isIP(address) !== 6) return null
  const groups = expandIpv6(address)
  // ::ffff:a.b.c.d and ::ffff:7f00:1 are IPv4 clients.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.')
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`
}

/** The eight 16-bit groups of a valid IPv6 address (possibly ending in dotted IPv4). */
function expandIpv6(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address)
  let text = address
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    text = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0')
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16))
}

type Handler<C> = (request: Request, context: C) => Promise<Response>

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * 405 in FastAPI's shape ({"detail"} and an Allow header) for the methods a route does not serve;
 * Next's own 405 has an empty body. Use as `export const { GET, PUT } = otherMethods('POST')`.
 */
export function otherMethods(...allowed: Method[]): Record<Method, Handler<unknown>> {
  const refuse = route(async () => problem(405, 'Method Not Allowed', { Allow: allowed.join(', ') }))
  return { GET: refuse, POST: refuse, PUT: refuse, PATCH: refuse, DELETE: refuse }
}

/**
 * Wraps a route handler: the one place where an unexpected error becomes a generic 500 (or a 503
 * when the database is out of reach), never a stack trace (OWASP ASVS 5.0 V16.5.1), with a log line
 * that carries no request data; and where every API response is marked `Cache-Control: no-store`.
 */
export function route<C>(handler: Handler<C>): Handler<C> {
  return async (request, context) => {
    let response: Response
    try {
      response = await handler(request, context)
    } catch (error) {
      const unavailable = isUnavailable(error)
      console.error(`${request.method} ${new URL(request.url).pathname}: ${describeError(error)}`)
      response = unavailable ? problem(503, 'Service unavailable') : problem(500, 'Internal Server Error')
    }
    response.headers.set('Cache-Control', 'no-store')
    return response
  }
}
