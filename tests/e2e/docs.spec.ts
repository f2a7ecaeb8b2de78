import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures'
import { BASE_URL, signUp } from '../helpers'
import { PHONE, expectNoSidewaysScroll } from './browser'

// /docs, as FastAPI's: Swagger UI served by the app itself, under its Content-Security-Policy,
// authorizing with the OAuth2 password flow and calling the API from the page.

/** Every request the page makes and every console message, CSP violations among them. */
async function watch(page: Page): Promise<{ requests: string[]; messages: string[] }> {
  const requests: string[] = []
  const messages: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`))
  page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`))
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`)
    })
  })
  return { requests, messages }
}

/** Authorize as the user in the password form, then Try it out on GET /api/users/me. */
async function authorizeAndCallMe(page: Page, username: string, password: string): Promise<void> {
  const response = await page.goto('/docs')
  expect(response!.status()).toBe(200)
  // Under the pages' strict policy (tests/api/headers.spec.ts compares it in full), so that the
  // absence of violations below means something.
  expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[\w+/=]+' 'strict-dynamic'; style-src 'self' 'nonce-/)
  await expect(page).toHaveTitle('passgate API docs')

  await page.getByRole('button', { name: 'Authorize' }).click()
  const dialog = page.locator('.modal-ux')
  const oauth = dialog.locator('.auth-container').filter({ hasText: 'OAuth2PasswordBearer' })
  // Open at the password form, not scrolled past it to the access token's field below.
  await expect(oauth.getByLabel('username:')).toBeFocused()
  for (const field of ['username:', 'password:']) await expect(oauth.getByLabel(field)).toBeInViewport({ ratio: 1 })
  await oauth.getByLabel('username:').fill(username)
  await oauth.getByLabel('password:').fill(password)
  // client_id stays empty: the token endpoint has no clients.
  const tokenResponse = page.waitForResponse(`${BASE_URL}/api/token`)
  await oauth.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click()
  const token = await tokenResponse
  const sent = new URLSearchParams(token.request().postData()!)
  expect(Object.fromEntries(sent)).toMatchObject({ grant_type: 'password', username, password })
  expect(sent.has('client_id')).toBe(false)
  expect(token.status()).toBe(200)
  const { access_token: accessToken } = (await token.json()) as { access_token: string }
  await expect(oauth.getByRole('button', { name: 'Remove authorization' })).toBeVisible()
  await oauth.getByRole('button', { name: 'Close' }).click()
  await expect(dialog).toBeHidden()

  const me = page.locator('#operations-users-readUsersMe')
  await me.getByRole('button', { name: /^GET \/api\/users\/me/ }).click()
  await me.getByRole('button', { name: 'Try it out' }).click()
  const call = page.waitForRequest(`${BASE_URL}/api/users/me`)
  await me.getByRole('button', { name: 'Execute' }).click()
  // The token from Authorize, not the session cookie that /api/token also set.
  expect((await call).headers().authorization).toBe(`Bearer ${accessToken}`)
  const shown = me.locator('.live-responses-table')
  await expect(shown.locator('tbody .response-col_status')).toHaveText('200')
  const body = shown.locator('tbody .response-col_description .highlight-code').first()
  await expect(body).toContainText(`"username": "${username}"`)
}

function expectAllFromTheApp(requests: string[], messages: string[]): void {
  expect(requests.length).toBeGreaterThan(3)
  expect(requests.filter((url) => !url.startsWith(`${BASE_URL}/`)), 'requests that left the app').toEqual([])
  expect(messages.filter((text) => /^error:|^pageerror:|content security policy/i.test(text)), 'console errors').toEqual([])
}

test('/docs: Authorize with the password flow, GET /api/users/me from the page, every request to the app', async ({ page }) => {
  const { username, password } = await signUp()
  const { requests, messages } = await watch(page)
  await authorizeAndCallMe(page, username, password)
  expect(requests).toContain(`${BASE_URL}/api/openapi.json`)
  expect(requests).toContain(`${BASE_URL}/api/token`)
  expect(requests).toContain(`${BASE_URL}/api/users/me`)
  expectAllFromTheApp(requests, messages)
})

test('/docs works with every other host out of reach', async ({ page }) => {
  const { username, password } = await signUp()
  const { requests, messages } = await watch(page)
  // Offline but for the app: anything else fails as it would without a network.
  await page.route(
    (url) => !url.href.startsWith(`${BASE_URL}/`),
    (route) => route.abort('internetdisconnected'),
  )
  await authorizeAndCallMe(page, username, password)
  expectAllFromTheApp(requests, messages)
})

test.describe('on a phone', () => {
  test.use({ viewport: PHONE })

  test('/docs: Authorize opens at the username and password, and an operation and its answer fit the window', async ({ page }) => {
    const { username, password } = await signUp()
    await authorizeAndCallMe(page, username, password)
    await expectNoSidewaysScroll(page)
  })
})
