import fs from 'node:fs'
import path from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { expect, test } from '../fixtures'
import { api } from '../helpers'

// GET /api/openapi.json: a valid OpenAPI 3.1 document that describes every route and method the
// app serves, and no other. (That each response matches it is checked on every call the API tests
// make: tests/contract.ts.)

type Document = { openapi: string; paths: Record<string, Record<string, unknown>>; components: { securitySchemes: Record<string, unknown> } }

async function fetchDocument(): Promise<Document> {
  const response = await api('/api/openapi.json')
  expect(response.status).toBe(200)
  return response.json()
}

test('the document is valid OpenAPI 3.1', async () => {
  const document = await fetchDocument()
  const validator = new Validator()
  const result = await validator.validate(structuredClone(document))
  expect(result.errors ?? [], 'the OpenAPI schema validator found problems').toEqual([])
  expect(result.valid).toBe(true)
  expect(validator.version).toBe('3.1')
  expect(document.components.securitySchemes).toEqual({
    OAuth2PasswordBearer: expect.objectContaining({ type: 'oauth2', flows: { password: { tokenUrl: '/api/token', refreshUrl: '/api/token', scopes: {} } } }),
    PersonalAccessToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
  })
})

/** Every API route file as a path of the document: app/api/notes/[id]/route.ts is /api/notes/{id}. */
function routePaths(dir = 'app/api', prefix = '/api'): string[] {
  const found: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('[...')) continue
    const segment = entry.name.replace(/^\[(\w+)\]$/, '{$1}')
    const folder = path.join(dir, entry.name)
    if (fs.existsSync(path.join(folder, 'route.ts'))) found.push(`${prefix}/${segment}`)
    found.push(...routePaths(folder, `${prefix}/${segment}`))
  }
  return found
}

test('every route and method the app serves is documented, and nothing else', async () => {
  const document = await fetchDocument()
  const routes = routePaths().sort()
  expect(Object.keys(document.paths).sort()).toEqual(routes)
  for (const route of routes) {
    const url = route.replace('{id}', route.startsWith('/api/users') || route.startsWith('/api/notes') ? '1' : '00000000-0000-0000-0000-000000000000')
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await api(url, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' })
      const served = response.status !== 405
      expect(served, `${method} ${route} answered ${response.status}; documented: ${method.toLowerCase() in document.paths[route]!}`).toBe(method.toLowerCase() in document.paths[route]!)
    }
  }
})

test('the contract check refuses what the document does not say', async () => {
  const { expectDocumented } = await import('../contract')
  const base = (await import('../helpers')).BASE_URL
  const user = { id: 1, username: 'alice', email: null, email_verified: false, full_name: null, disabled: false, role: 'user', created_at: '2026-01-01T00:00:00.000Z' }
  const answer = (status: number, body: unknown) => Response.json(body, { status })
  const mfa = { totp: false, recovery_codes_left: 0, passkeys: 0, required: false }
  const stale = { error: 'reauth_required', detail: 'Confirm it is you', max_age: 600 }
  await expectDocumented(base, 'GET', `${base}/api/users/me/`, answer(200, { ...user, mfa }))
  await expectDocumented(base, 'POST', `${base}/api/keys`, answer(403, stale))
  const refusals: [string, string, Response][] = [
    ['GET', '/api/users/me', answer(200, { ...user, hashed_password: '$2b$12$...' })],
    ['GET', '/api/users/me', answer(200, { ...user, role: 'root' })],
    ['GET', '/api/users/me', answer(404, { detail: 'Not Found' })],
    ['GET', '/api/users/me', answer(200, user)],
    ['GET', '/api/keys', answer(403, stale)],
    ['GET', '/api/users/me', answer(403, { error: 'mfa_enrollment_required', detail: 'Set up two-step sign-in first' })],
    ['DELETE', '/api/notes/7', answer(200, { detail: 'gone' })],
    ['POST', '/api/notes', answer(422, { detail: 'not a list' })],
  ]
  for (const [method, path, response] of refusals) {
    await expect(expectDocumented(base, method, base + path, response), `${method} ${path} ${response.status}`).rejects.toThrow()
  }
})
