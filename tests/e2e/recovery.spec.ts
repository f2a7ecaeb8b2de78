import type { Locator, Page } from '@playwright/test'
import { expect, test } from '../fixtures'
import { BASE_URL, PASSWORD, type User, bearer, logIn, me, patchJson, postJson, requestToken, signUp } from '../helpers'
import { type Mail, tokenIn, uniqueEmail, waitForMail } from '../mailbox'
import { expectNoAxeViolations, signIn, submitSignIn } from './browser'

// Getting back in: an email address verified by its mailed link, a forgotten password reset by
// mail, and a reset link an admin makes and hands over. Every link is followed in the browser, as
// it arrives in the mailbox of the test run's SMTP server.

const VERIFY = /Confirm your email address/
const RESET = /Reset your password/
const NEW_PASSWORD = 'a new long passphrase'

test.beforeEach(({ page }) => {
  // Errors are shown inline, never in a dialog.
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected dialog: ${dialog.message()}`)
  })
})

/** The message's link to `path` (/verify-email, /reset-password), as mailed. */
function linkTo(mail: Mail, path: string): string {
  const link = mail.links.find((href) => new URL(href).pathname === path)
  expect(link, `a ${path} link in "${mail.subject}"`).toBeDefined()
  return link!
}

/** A user whose address is verified: reset links go only to such an address. */
async function verifiedUser(): Promise<User & { email: string }> {
  const email = uniqueEmail('reset')
  const user = await signUp({ email })
  const token = tokenIn(await waitForMail(email, { subject: VERIFY }), '/verify-email')
  expect((await postJson('/api/email-verification/confirm', { token })).status).toBe(204)
  return { ...user, email }
}

/** Opens a mailed link; the page takes its token out of the address at once. */
async function openLink(page: Page, link: string): Promise<void> {
  const { pathname } = new URL(link)
  await page.goto(link)
  await expect(page, 'the token should not stay in the address bar or the history').toHaveURL(`${BASE_URL}${pathname}`)
}

/** Signs `admin` in and searches the directory for `username`: the Users region and that user's row. */
async function findInDirectory(page: Page, admin: string, username: string): Promise<{ users: Locator; row: Locator }> {
  await signIn(page, admin)
  const users = page.getByRole('region', { name: 'Users' })
  await users.getByLabel('Username or email').fill(username)
  await users.getByRole('button', { name: 'Search' }).click()
  const row = users.getByTestId('directory-row')
  await expect(row).toHaveCount(1)
  return { users, row }
}

test('a new address is verified by the link mailed at sign-up, and /admin says so', async ({ page }) => {
  const email = uniqueEmail('verify')
  const user = await signUp({ email })
  await signIn(page, user.username)
  const account = page.getByRole('region', { name: 'Your account' })
  await expect(account.getByText('Not verified', { exact: true })).toBeVisible()

  const link = linkTo(await waitForMail(email, { subject: VERIFY }), '/verify-email')
  await openLink(page, link)
  await expect(page.getByRole('status')).toHaveText('Your email address is verified.')
  await page.getByRole('link', { name: 'Go to your account' }).click()
  await expect(page).toHaveURL(/\/admin$/)
  await expect(account.getByText('Verified', { exact: true })).toBeVisible()
  await expect(account.getByRole('button', { name: 'Send the link again' }), 'nothing left to verify').toHaveCount(0)

  // A link works once.
  await openLink(page, link)
  await expect(page.getByTestId('form-error')).toHaveText('Invalid or expired verification link')
})

test('"Send the link again" mails a new link, and the one before stops working', async ({ page }) => {
  const email = uniqueEmail('resend')
  const user = await signUp({ email })
  const first = linkTo(await waitForMail(email, { subject: VERIFY }), '/verify-email')
  await signIn(page, user.username)
  const account = page.getByRole('region', { name: 'Your account' })
  await account.getByRole('button', { name: 'Send the link again' }).click()
  await expect(account.getByRole('status')).not.toBeEmpty()

  const second = linkTo(await waitForMail(email, { subject: VERIFY, count: 2 }), '/verify-email')
  await openLink(page, first)
  await expect(page.getByTestId('form-error')).toHaveText('Invalid or expired verification link')
  await openLink(page, second)
  await expect(page.getByRole('status')).toHaveText('Your email address is verified.')
  expect((await (await me(await logIn(user.username))).json()).email_verified).toBe(true)
})

test('a new address on /admin needs the current password, and gets a link of its own', async ({ signedInPage: page, user }) => {
  const account = page.getByRole('region', { name: 'Your account' })
  const email = account.getByLabel('Email', { exact: true })
  const password = account.getByLabel('Current password')
  await expect(password, 'asked for only when the address changes').toHaveCount(0)
  const address = uniqueEmail('changed')
  await email.fill(address)
  // The form asks for the password once it has seen the new address: save after that, as a person would.
  await expect(password).toBeVisible()
  await account.getByRole('button', { name: 'Save profile' }).click()
  await expect(account.locator('#profile_password-error')).toHaveText('Enter your current password')
  await password.fill('not the password')
  await account.getByRole('button', { name: 'Save profile' }).click()
  await expect(account.locator('#profile_password-error')).toHaveText('Current password is incorrect')
  await password.fill(user.password)
  await account.getByRole('button', { name: 'Save profile' }).click()
  await expect(account.getByRole('status').filter({ hasText: 'Profile saved.' })).toBeVisible()
  await expect(password, 'the password is not kept once used').toHaveCount(0)
  await expect(account.getByText('Not verified', { exact: true })).toBeVisible()
  linkTo(await waitForMail(address, { subject: VERIFY }), '/verify-email')
})

test('a forgotten password: ask at /login, follow the mailed link, set a new one, sign in with it', async ({ page }) => {
  const user = await verifiedUser()
  const before = await logIn(user.username)

  await page.goto('/login')
  await page.getByRole('link', { name: 'Forgot your password?' }).click()
  await expect(page).toHaveURL(/\/forgot-password$/)
  await page.getByLabel('Email or username').fill(user.email.toUpperCase())
  await page.getByRole('button', { name: 'Send the link' }).click()
  await expect(page.getByRole('status')).toHaveText('If the account exists, a message is on its way.')
  await expect(page.getByLabel('Email or username'), 'the answer takes the place of the form').toHaveCount(0)

  const link = linkTo(await waitForMail(user.email, { subject: RESET }), '/reset-password')
  await openLink(page, link)
  const password = page.getByLabel('New password')
  // A password that breaks a rule is refused next to the field, as at sign-up.
  await password.fill('short')
  await page.getByRole('button', { name: 'Set password' }).click()
  await expect(page.locator('#new_password-error')).toHaveText('Password must be at least 8 characters')
  await expect(password).toHaveAttribute('aria-invalid', 'true')
  await password.fill(NEW_PASSWORD)
  await page.getByRole('button', { name: 'Set password' }).click()
  await expect(page.getByRole('status')).toHaveText('Your password is set. Sign in with it.')
  await expect(page.getByText('Every session of the account was signed out')).toBeVisible()

  await page.getByRole('link', { name: 'Sign in' }).click()
  await submitSignIn(page, user.username, NEW_PASSWORD)
  await expect(page).toHaveURL(/\/admin$/)
  expect((await requestToken(user.username, PASSWORD)).status, 'the old password no longer works').toBe(401)
  expect((await me(before)).status, 'a session from before the reset has ended').toBe(401)

  // The link is spent: used again, it says so and offers a new one.
  await openLink(page, link)
  await page.getByLabel('New password').fill(`${NEW_PASSWORD} again`)
  await page.getByRole('button', { name: 'Set password' }).click()
  await expect(page.getByTestId('form-error')).toHaveText('Invalid or expired reset link')
  await expect(page.getByLabel('New password')).toHaveCount(0)
  await page.getByRole('link', { name: 'Request a new link' }).click()
  await expect(page).toHaveURL(/\/forgot-password$/)
})

test('asking by username mails the link too; an unknown name gets the same answer', async ({ page }) => {
  const user = await verifiedUser()
  for (const name of [user.username, `${user.username}_nobody`]) {
    await page.goto('/forgot-password')
    await page.getByLabel('Email or username').fill(name)
    await page.getByRole('button', { name: 'Send the link' }).click()
    await expect(page.getByRole('status')).toHaveText('If the account exists, a message is on its way.')
  }
  linkTo(await waitForMail(user.email, { subject: RESET }), '/reset-password')
})

test('a malformed address is refused next to the field', async ({ page }) => {
  await page.goto('/forgot-password')
  await page.getByLabel('Email or username').fill('someone@')
  await page.getByRole('button', { name: 'Send the link' }).click()
  await expect(page.locator('#account-error')).toHaveText('Enter a valid email address')
  await expect(page.getByLabel('Email or username')).toHaveAttribute('aria-invalid', 'true')
})

test('a link without its token says what to do straight away', async ({ page }) => {
  await page.goto('/reset-password')
  await expect(page.getByTestId('form-error')).toHaveText('Invalid or expired reset link')
  await expect(page.getByRole('link', { name: 'Request a new link' })).toHaveAttribute('href', '/forgot-password')
  await page.goto('/verify-email')
  await expect(page.getByTestId('form-error')).toHaveText('Invalid or expired verification link')
})

test('an admin makes a reset link, sees it once, and the user sets a password with it in a browser of their own', async ({ page, browser, context, admin, user }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL })
  const { users, row } = await findInDirectory(page, admin.username, user.username)

  const button = row.getByRole('button', { name: `Reset link ${user.username}` })
  await button.click()
  const dialog = page.getByRole('dialog', { name: `Make a password reset link for ${user.username}?` })
  await expect(dialog).toContainText('signs')
  await dialog.getByRole('button', { name: `Make a reset link for ${user.username}` }).click()
  await expect(dialog).toBeHidden()

  const box = users.getByTestId('reset-link')
  await expect(box, 'the box takes the focus, so that it is read out').toBeFocused()
  const url = (await box.getByTestId('reset-link-value').textContent())!
  expect(url).toMatch(new RegExp(`^${BASE_URL}/reset-password\\?token=[A-Za-z0-9_-]+$`))
  const expires = Date.parse((await box.locator('time').getAttribute('datetime'))!)
  expect(expires, 'the link expires, in the future').toBeGreaterThan(Date.now())
  await expectNoAxeViolations(page)
  await box.getByRole('button', { name: 'Copy' }).click()
  await expect(box.getByRole('status')).toHaveText('Copied')
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url)
  await box.getByRole('button', { name: 'Done' }).click()
  await expect(box).toHaveCount(0)
  await expect(button, 'the focus goes back to the row').toBeFocused()
  expect(await page.content()).not.toContain(url)
  const audit = page.getByRole('region', { name: 'Audit log' })
  await expect(audit.getByTestId('audit-row').filter({ hasText: user.username }).filter({ hasText: 'reset link' }), 'the audit log records who made it').toHaveCount(1)

  const theirs = await browser.newContext()
  const theirPage = await theirs.newPage()
  await openLink(theirPage, url)
  await theirPage.getByLabel('New password').fill(NEW_PASSWORD)
  await theirPage.getByRole('button', { name: 'Set password' }).click()
  await expect(theirPage.getByRole('status')).toHaveText('Your password is set. Sign in with it.')
  await signIn(theirPage, user.username, NEW_PASSWORD)
  await theirs.close()
})

test('a reset link for an account disabled meanwhile is refused inline; a disabled row offers none', async ({ page, admin, user }) => {
  const { users, row } = await findInDirectory(page, admin.username, user.username)
  await expect(row).toContainText('Active')

  // Disabled in another tab, after this page showed the row.
  expect((await patchJson(`/api/users/${user.id}`, { disabled: true }, bearer(admin.token))).status).toBe(200)
  await row.getByRole('button', { name: `Reset link ${user.username}` }).click()
  await page.getByRole('dialog').getByRole('button', { name: `Make a reset link for ${user.username}` }).click()
  await expect(users.getByRole('alert')).toHaveText(new RegExp(`^Could not make a reset link for ${user.username}: .+`))
  await expect(users.getByTestId('reset-link')).toHaveCount(0)

  await page.reload()
  await expect(row).toContainText('Disabled')
  await expect(row.getByRole('button', { name: `Reset link ${user.username}` })).toHaveCount(0)
})

test('/dev/outbox does not exist in production', async ({ page }) => {
  const response = await page.goto('/dev/outbox')
  expect(response!.status()).toBe(404)
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
})
