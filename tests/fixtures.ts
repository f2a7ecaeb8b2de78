import { type Page, test as base, expect } from '@playwright/test'
import { signIn } from './e2e/browser'
import { type Session, type User, expect401, newAdmin, signUp, withToken } from './helpers'
import { leftoversFromNowOn } from './servers'

// What many tests begin with, as Playwright fixtures (https://playwright.dev/docs/test-fixtures),
// and the answers many tests check, as named assertions. A test asks for a fixture by name and
// gets a fresh one: `test('...', async ({ session }) => ...)`.

type Fixtures = {
  /** A freshly signed-up user, not signed in: id, username and password. */
  user: User
  /** The test's `user`, signed in by the password grant: the same fields and a bearer token. */
  session: Session
  /** A fresh admin (another user than `user`), signed in with a bearer token. */
  admin: Session
  /** The test's `page`, signed in through the /login form as its `user` and landed on /admin. */
  signedInPage: Page
  /** For every test: the servers it started are stopped and the folders it made removed when it ends (tests/servers.ts). */
  leftovers: void
}

type WorkerFixtures = {
  /** Likewise for what a beforeAll started or made, when the worker ends. */
  workerLeftovers: void
}

/** Clears what was started and made while `use` ran. */
async function clearLeftovers(use: () => Promise<void>): Promise<void> {
  const clear = leftoversFromNowOn()
  await use()
  await clear()
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  user: async ({}, use) => use(await signUp()),
  session: async ({ user }, use) => use(await withToken(user)),
  admin: async ({}, use) => use(await newAdmin()),
  signedInPage: async ({ page, user }, use) => {
    await signIn(page, user.username, user.password)
    await use(page)
  },
  leftovers: [async ({}, use) => clearLeftovers(use), { auto: true }],
  workerLeftovers: [async ({}, use) => clearLeftovers(use), { auto: true, scope: 'worker' }],
})

export { expect }

/** 401 for a token that is forged, expired, or names a session that has ended. */
export function expectInvalidToken(response: Response): Promise<void> {
  return expect401(response, 'Could not validate credentials', 'Bearer error="invalid_token"')
}

/** 401 for a request without credentials. */
export function expectNotAuthenticated(response: Response): Promise<void> {
  return expect401(response, 'Not authenticated', 'Bearer')
}

/** The response deletes both session cookies: the browser is signed out. */
export function expectCookiesCleared(response: Response): void {
  const cookies = response.headers.getSetCookie()
  expect(cookies.map((cookie) => cookie.split(';')[0]).sort()).toEqual(['passgate_access=', 'passgate_refresh='])
  for (const cookie of cookies) expect(cookie).toContain('Max-Age=0')
}

/** An error of /api/token: RFC 6749's `error` and `error_description`, and FastAPI's `detail` saying the same. */
export function oauthError(error: string, detail: string): { error: string; error_description: string; detail: string } {
  return { error, error_description: detail, detail }
}

/** The refresh grant refused, whatever the reason (reused, forged, ended, a disabled user): nothing says which. */
export async function expectRefreshRefused(response: Response): Promise<void> {
  expect(response.status).toBe(400)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(await response.json()).toEqual(oauthError('invalid_grant', 'Invalid or expired refresh token'))
}

/** The password grant for a disabled user: refused, though the password is right. */
export async function expectInactiveUser(response: Response): Promise<void> {
  expect(response.status).toBe(400)
  expect(await response.json()).toEqual(oauthError('invalid_grant', 'Inactive user'))
}

/** 422 whose first detail names the field at `loc` (['body', 'username'], ['query', 'cursor']). */
export async function expectFieldError(response: Response, loc: (string | number)[]): Promise<void> {
  expect(response.status).toBe(422)
  expect((await response.json()).detail[0].loc).toEqual(loc)
}
