import { randomBytes } from 'node:crypto'
import { expect } from '@playwright/test'
import postgres from 'postgres'
import { PASSWORD, ROOT_ADMIN } from './constants'
import { expectDocumented } from './contract'

export { PASSWORD, ROOT_ADMIN }

// Shared by the API and e2e suites. Plain fetch (no cookie jar): each call says exactly which
// credentials it sends.

export const BASE_URL = `http://127.0.0.1:${process.env.TEST_PORT ?? 3100}`
export const TEST_SECRET = new TextEncoder().encode(process.env.AUTH_SECRET)

/** A username no other test uses (tests run in parallel and share the database). */
export function uniqueName(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`
}

/**
 * A request to the test server, or to another server's `base` URL (tests/servers.ts). Its answer
 * must be what /api/openapi.json documents (tests/contract.ts).
 */
export async function api(path: string, init: RequestInit = {}, base = BASE_URL): Promise<Response> {
  const response = await fetch(base + path, { redirect: 'manual', ...init })
  await expectDocumented(base, init.method ?? 'GET', base + path, response)
  return response
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}, base = BASE_URL): Promise<Response> {
  return api(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }, base)
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

export async function signUp(fields: Record<string, unknown> = {}): Promise<{ id: number; username: string; password: string }> {
  const username = (fields.username as string | undefined) ?? uniqueName()
  const password = (fields.password as string | undefined) ?? PASSWORD
  const response = await postJson('/api/users', { username, password, ...fields })
  expect(response.status, await response.clone().text()).toBe(200)
  const user = (await response.json()) as { id: number }
  return { id: user.id, username, password }
}

export function requestToken(username: string, password: string): Promise<Response> {
  return api('/api/token', { method: 'POST', body: new URLSearchParams({ username, password }) })
}

export async function logIn(username: string, password = PASSWORD): Promise<string> {
  const response = await requestToken(username, password)
  expect(response.status, await response.clone().text()).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

/** A signed-up, signed-in user with its bearer token. */
export async function newSession(): Promise<{ id: number; username: string; token: string }> {
  const user = await signUp()
  return { id: user.id, username: user.username, token: await logIn(user.username) }
}

let rootAdmin: Promise<string> | undefined

/** A new user made admin by the root admin (whose token each test worker gets once). */
export async function newAdmin(): Promise<{ id: number; username: string; token: string }> {
  rootAdmin ??= logIn(ROOT_ADMIN)
  const user = await signUp()
  const promoted = await patchJson(`/api/users/${user.id}`, { role: 'admin' }, bearer(await rootAdmin))
  expect(promoted.status, await promoted.clone().text()).toBe(200)
  return { id: user.id, username: user.username, token: await logIn(user.username) }
}

export function patchJson(path: string, body: unknown, headers: Record<string, string> = {}, base = BASE_URL): Promise<Response> {
  return api(path, { method: 'PATCH', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }, base)
}

export async function expect401(response: Response, detail: string, challenge: string): Promise<void> {
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe(challenge)
  expect(await response.json()).toEqual({ detail })
}

/** A second connection to the test's PostgreSQL database (DATABASE_URL), closed after `run`. */
export async function withSql<T>(run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
  try {
    return await run(sql)
  } finally {
    await sql.end()
  }
}

/**
 * The state 100 wrong passwords in a row leave on a username (reaching it by guessing is slow
 * under the per-username throttle; tests/api/trust.spec.ts does it on a server of its own).
 */
export function lockOut(username: string): Promise<unknown> {
  return withSql((sql) => sql`insert into throttles (key, hits, reset_at) values (${`login:failures:${username.toLowerCase()}`}, 100, now() + interval '30 days')`)
}
