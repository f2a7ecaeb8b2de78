import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures'
import { Authenticator, PASSWORD, bearer, enrolTotp, logIn, patchJson, postJson, requestToken, signUp, uniqueName } from '../helpers'
import { type ExtraServer, testPort } from '../servers'
import { DESKTOP, PHONE, expectNoAxeViolations, expectNoSidewaysScroll, signIn, submitSignIn } from './browser'
import { addAuthenticator, localhostUrl, passkeyServer, withoutAutofill } from './passkey-browser'
import { staleServer, waitUntilStale } from './second-factor'

// Every page, on a desktop and on a phone: no WCAG 2.1 AA violation that axe-core finds, and
// nothing wider than the window. The accounts carry the long values that break layouts: a long
// email, a long user agent, failed sign-ins in the activity list, a note and a token name without
// a space to break at.

/** Checked once the page has hydrated, so that axe sees what a visitor sees (local times, enabled buttons). */
async function check(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle')
  // Next streams a dynamic page's metadata: after a refresh (two-step sign-in turned on) the
  // <title> is put back a moment later. A page that never gets one still fails here.
  await expect(page).toHaveTitle(/\S/)
  await expectNoAxeViolations(page)
  await expectNoSidewaysScroll(page)
  expect(errors, `${page.url()} logged errors in the browser (a hydration mismatch is one)`).toEqual([])
}

let errors: string[] = []

test.beforeEach(({ page }) => {
  errors = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    // The 404 page's own status is reported as a failed resource; that is its job.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text())
  })
})

/** A user whose account page has something in every section. */
async function busyUser(): Promise<{ id: number; username: string }> {
  const user = await signUp({ username: uniqueName('a11y'), email: `${'long.address.'.repeat(3)}${uniqueName('mail')}@subdomain.example.com`, full_name: 'Wilhelmina Augusta Longname-Example' })
  const userAgent = `SomeEmbeddedHttpClientWithAVeryLongProductNameThatNeverBreaks/1.0 ${'x'.repeat(200)}`
  const phone = await requestToken(user.username, PASSWORD, { 'user-agent': userAgent })
  expect(phone.status).toBe(200)
  const token = bearer((await phone.json()).access_token)
  expect((await postJson('/api/notes', { text: 'n'.repeat(1000) }, token)).status).toBe(201)
  expect((await postJson('/api/notes', { text: 'a ticked note', completed: true }, token)).status).toBe(201)
  expect((await postJson('/api/keys', { name: 'k'.repeat(100), scopes: ['read', 'write'], expires_in_days: 7 }, token)).status).toBe(201)
  expect((await requestToken(user.username, 'not the password')).status).toBe(401)
  return user
}

for (const [device, viewport] of [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const) {
  test.describe(`on a ${device} (${viewport.width}x${viewport.height})`, () => {
    test.use({ viewport })

    test('/login', async ({ page }) => {
      await page.goto('/login')
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled()
      await check(page)
    })

    test('/signup', async ({ page }) => {
      await page.goto('/signup')
      await expect(page.getByRole('button', { name: 'Sign up' })).toBeEnabled()
      await check(page)
    })

    test('/forgot-password, and its answer', async ({ page }) => {
      await page.goto('/forgot-password')
      await expect(page.getByRole('button', { name: 'Send the link' })).toBeEnabled()
      await check(page)
      await page.getByLabel('Email or username').fill(uniqueName('nobody'))
      await page.getByRole('button', { name: 'Send the link' }).click()
      await expect(page.getByRole('status')).toBeVisible()
      await check(page)
    })

    test('/reset-password, with a refused password and without a token', async ({ page }) => {
      await page.goto(`/reset-password?token=${'x'.repeat(43)}`)
      await page.getByLabel('New password').fill('short')
      await page.getByRole('button', { name: 'Set password' }).click()
      await expect(page.locator('#new_password-error')).toBeVisible()
      await check(page)
      await page.goto('/reset-password')
      await expect(page.getByTestId('form-error')).toBeVisible()
      await check(page)
    })

    test('/verify-email with a spent link', async ({ page }) => {
      await page.goto(`/verify-email?token=${'x'.repeat(43)}`)
      await expect(page.getByTestId('form-error')).toBeVisible()
      await check(page)
    })

    test('the 404 page', async ({ page }) => {
      const response = await page.goto('/no-such-page')
      expect(response!.status()).toBe(404)
      await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
      await check(page)
    })

    test('/admin as a plain user', async ({ page }) => {
      // Two axe passes over every section, after the sign-ins busyUser() makes: slow on a busy machine.
      test.slow()
      const user = await busyUser()
      await signIn(page, user.username)
      await expect(page.getByTestId('session-row')).toHaveCount(2)
      await expect(page.getByTestId('activity-item').filter({ hasText: 'Wrong password' })).toHaveCount(1)
      await expect(page.getByTestId('note')).toHaveCount(2)
      await expect(page.getByTestId('token-row')).toHaveCount(1)
      await check(page)

      // With a new token in its one-time box, a note refused next to its field, and a new email
      // address asking for the password.
      await page.getByRole('region', { name: 'Your account' }).getByLabel('Email', { exact: true }).fill(`new.${uniqueName()}@example.com`)
      await expect(page.getByRole('region', { name: 'Your account' }).getByLabel('Current password')).toBeVisible()
      const tokens = page.getByRole('region', { name: 'Access tokens' })
      await tokens.getByLabel('Name').fill('t'.repeat(100))
      await tokens.getByRole('button', { name: 'Create token' }).click()
      await expect(tokens.getByTestId('new-token')).toBeVisible()
      const notes = page.getByRole('region', { name: 'Your notes' })
      await notes.getByRole('button', { name: 'Add' }).click()
      await expect(notes.locator('#text-error')).toBeVisible()
      await check(page)
    })

    test('/login, the code step, with a wrong code', async ({ page, user }) => {
      const { authenticator } = await enrolTotp(await logIn(user.username))
      await page.goto('/login')
      await submitSignIn(page, user.username)
      await page.getByLabel('Code from your authenticator app').fill(authenticator.wrongCode())
      await page.getByRole('button', { name: 'Sign in' }).click()
      await expect(page.locator('#otp-error')).toBeVisible()
      await check(page)
    })

    test('/admin, setting up two-step sign-in, and the recovery codes', async ({ signedInPage: page }) => {
      const section = page.getByRole('region', { name: 'Two-step sign-in' })
      await section.getByRole('button', { name: 'Set up' }).click()
      await expect(section.getByRole('img')).toBeVisible()
      await check(page)
      const secret = (await section.getByTestId('totp-secret').textContent())!
      await section.getByLabel('Code from your authenticator app').fill(await new Authenticator(secret).nextCode())
      await section.getByRole('button', { name: 'Turn on' }).click()
      await expect(section.getByTestId('recovery-codes')).toBeVisible()
      await check(page)
    })

    test('/admin as an admin', async ({ page, admin }) => {
      // axe checks every cell of two 50-row tables: slow on a busy machine.
      test.slow()
      // Newest first: this user is on the directory's first page, whatever other tests add.
      const user = await busyUser()
      const disabled = await patchJson(`/api/users/${user.id}`, { disabled: true }, bearer(admin.token))
      expect(disabled.status).toBe(200)
      await signIn(page, admin.username)
      await expect(page.getByTestId('directory-row').filter({ hasText: user.username })).toContainText('Disabled')
      await expect(page.getByTestId('audit-row').first()).toBeVisible()
      await check(page)
    })
  })
}

test.describe('the step-up dialog, on a server where a sign-in is fresh for 3 s', () => {
  let server: ExtraServer
  test.use({ baseURL: `http://127.0.0.1:${testPort(3209)}` })

  // One worker for the whole group, in order: its server, on a port of its own, is started once.
  test.describe.configure({ mode: 'default' })
  test.beforeAll(async () => {
    test.setTimeout(120_000)
    server = await staleServer(3209)
  })

  test.afterAll(async () => server?.stop())

  for (const [device, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    test(`on a ${device}, with a wrong password`, async ({ page }) => {
      await page.setViewportSize(viewport)
      const user = await signUp({}, server.url)
      await signIn(page, user.username)
      await waitUntilStale()
      await page.getByRole('region', { name: 'Access tokens' }).getByRole('button', { name: 'Create token' }).click()
      const dialog = page.getByRole('dialog', { name: 'Confirm it is you' })
      await dialog.getByLabel('Password').fill('not the password')
      await dialog.getByRole('button', { name: 'Confirm' }).click()
      await expect(dialog.locator('#reauth_password-error')).toBeVisible()
      await check(page)
    })
  }
})

test.describe('passkeys, on a server at localhost (browsers refuse them at 127.0.0.1)', () => {
  let server: ExtraServer
  test.use({ baseURL: localhostUrl(3214) })

  test.describe.configure({ mode: 'default' })
  test.beforeAll(async () => {
    test.setTimeout(120_000)
    server = await passkeyServer(3214)
  })

  test.afterAll(async () => server?.stop())

  for (const [device, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    test(`on a ${device}: /login's passkey button, /admin's Passkeys section with one, its rename dialog, and the second step offering a passkey or a code`, async ({ page }) => {
      // Four axe passes and two sign-ins with a code.
      test.slow()
      await page.setViewportSize(viewport)
      await withoutAutofill(page)
      await addAuthenticator(page)
      const user = await signUp({}, server.url)
      const { authenticator } = await enrolTotp(await logIn(user.username, PASSWORD, server.url), server.url)
      await page.goto('/login')
      await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeEnabled()
      await check(page)

      await submitSignIn(page, user.username)
      await page.getByLabel('Code from your authenticator app').fill(await authenticator.nextCode())
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await expect(page).toHaveURL(/\/admin$/)
      const section = page.getByRole('region', { name: 'Passkeys' })
      // A name without a space to break at.
      await section.getByLabel('Name (optional)').fill('p'.repeat(64))
      await section.getByRole('button', { name: 'Add a passkey' }).click()
      await expect(section.getByTestId('passkey-row')).toHaveCount(1)
      await check(page)
      await section.getByRole('button', { name: /^Rename/ }).click()
      await expect(page.getByRole('dialog', { name: 'Rename the passkey' })).toBeVisible()
      await check(page)

      await page.goto('/login')
      await submitSignIn(page, user.username)
      await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeVisible()
      await check(page)
    })
  }
})
