import { expect, test } from '../fixtures'
import { PASSWORD, uniqueName } from '../helpers'
import { submitSignIn } from './browser'

// A person in a browser: sign up, land on /admin, sign out, be turned away from /admin, sign in.

test.beforeEach(({ page }) => {
  // Errors are shown inline, never in a dialog.
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected dialog: ${dialog.message()}`)
  })
})

test('sign up, see /admin, sign out, get sent back to /login, sign in again', async ({ page }) => {
  const username = uniqueName('browser')
  await page.goto('/signup')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByLabel('Email (optional)').fill('browser@example.com')
  await page.getByRole('button', { name: 'Sign up' }).click()

  await expect(page).toHaveURL(/\/admin$/)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Signed in as ${username}`)
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue('browser@example.com')
  // The session is an HttpOnly cookie: nothing for scripts in localStorage or document.cookie.
  expect(await page.evaluate(() => JSON.stringify(localStorage) + document.cookie)).toBe('{}')
  if (process.env.SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/admin.png', fullPage: true })

  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/login$/)
  await page.goto('/admin')
  await expect(page).toHaveURL(/\/login\?next=\/admin$/)

  await submitSignIn(page, username)
  await expect(page).toHaveURL(/\/admin$/)
  await expect(page.getByTestId('signed-in-as')).toHaveText(username)
})

test('a wrong password shows the error inline and stays on /login', async ({ page, user: { username } }) => {
  await page.goto('/login')
  await expect(page.getByRole('banner').getByRole('link', { name: 'passgate' }), 'the page names the product').toBeVisible()
  if (process.env.SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/login.png' })
  await submitSignIn(page, username, 'not the password')
  await expect(page.getByTestId('form-error')).toHaveText('Incorrect username or password')
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled()
})

test('sign-up shows the rule that failed next to its field', async ({ page }) => {
  await page.goto('/signup')
  await page.getByLabel('Username').fill(uniqueName())
  await page.getByLabel('Password').fill('short')
  await page.getByRole('button', { name: 'Sign up' }).click()
  await expect(page.locator('#password-error')).toHaveText('Password must be at least 8 characters')
  await expect(page).toHaveURL(/\/signup$/)
})

test('a taken username is said once, beside the field; the email field says what an unverified address means', async ({ page, user: { username } }) => {
  await page.goto('/signup')
  await expect(page.getByLabel('Email (optional)')).toHaveAccessibleDescription(
    'Without a verified email you cannot reset a forgotten password yourself: only an admin can.',
  )
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign up' }).click()
  await expect(page.getByLabel('Username')).toHaveAccessibleDescription('Username already registered')
  await expect(page.getByText('Username already registered')).toHaveCount(1)
  await expect(page.getByTestId('form-error')).toHaveText('Please correct the fields below.')
})

test('after login the user lands on `next`, but only if it is a path on this site', async ({ page, user: { username } }) => {
  await page.goto('/login?next=//evil.example/steal')
  await submitSignIn(page, username)
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/admin$/)
})
