import { SignJWT, decodeJwt } from 'jose'
import { expect, test } from '../fixtures'
import { BASE_URL, PASSWORD, TEST_SECRET, me, requestToken } from '../helpers'
import { CHROME_ON_LINUX, signIn, submitSignIn } from './browser'

// The account page: change the password, end another session, stay signed in past the access
// token's expiry.

test('change the password on /admin; afterwards the old one fails and the new one works', async ({ signedInPage: page, user: { username } }) => {
  const form = page.getByRole('form', { name: 'Change password' })
  await form.getByLabel('Current password').fill(PASSWORD)
  await form.getByLabel('New password').fill('my new passphrase')
  await form.getByRole('button', { name: 'Change password' }).click()
  await expect(page.getByText('Password changed. Every other session was signed out.')).toBeVisible()

  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/login$/)
  await page.goto('/login')
  await submitSignIn(page, username, PASSWORD)
  await expect(page.getByTestId('form-error')).toHaveText('Incorrect username or password')
  await signIn(page, username, 'my new passphrase')
})

test('the password form shows a wrong current password inline', async ({ signedInPage: page }) => {
  const form = page.getByRole('form', { name: 'Change password' })
  await form.getByLabel('Current password').fill('not my password')
  await form.getByLabel('New password').fill('my new passphrase')
  await form.getByRole('button', { name: 'Change password' }).click()
  await expect(form.getByTestId('form-error')).toHaveText('Current password is incorrect')
})

test('end another session from the table: that device is signed out', async ({ page, user: { username } }) => {
  const phone = await requestToken(username, PASSWORD, { 'user-agent': 'PhoneBrowser/1.0' })
  const phoneToken = (await phone.json()).access_token as string
  await signIn(page, username)
  const rows = page.getByTestId('session-row')
  await expect(rows).toHaveCount(2)
  await expect(rows.filter({ hasText: 'This device' })).toHaveCount(1)
  await rows.filter({ hasText: 'PhoneBrowser/1.0' }).getByRole('button', { name: 'End' }).click()
  await expect(rows).toHaveCount(1)
  expect((await me(phoneToken)).status).toBe(401)
})

test('a browser whose access cookie has expired still lands on /admin', async ({ signedInPage: page, context, user: { username } }) => {
  const access = (await context.cookies()).find((cookie) => cookie.name === 'passgate_access')!
  const now = Math.floor(Date.now() / 1000)
  const expired = await new SignJWT({ ...decodeJwt(access.value), iat: now - 3600, exp: now - 60 }).setProtectedHeader({ alg: 'HS256' }).sign(TEST_SECRET)
  await context.addCookies([{ ...access, value: expired }])
  await page.goto('/admin')
  await expect(page).toHaveURL(`${BASE_URL}/admin`)
  await expect(page.getByTestId('signed-in-as')).toHaveText(username)
  const renewed = (await context.cookies()).find((cookie) => cookie.name === 'passgate_access')!
  expect(decodeJwt(renewed.value).exp).toBeGreaterThan(now)

  // And when the browser has dropped the expired cookie altogether (its Max-Age ran out).
  await context.clearCookies({ name: 'passgate_access' })
  await page.goto('/admin')
  await expect(page).toHaveURL(`${BASE_URL}/admin`)
  await expect(page.getByTestId('signed-in-as')).toHaveText(username)
})

test('the sessions table names the device and shows times in the viewer’s own time zone', async ({ browser, user: { username } }) => {
  // Kiritimati is UTC+14: a time shown in UTC would be off by more than half a day.
  const timeZone = 'Pacific/Kiritimati'
  const context = await browser.newContext({ userAgent: CHROME_ON_LINUX, timezoneId: timeZone, locale: 'en-GB' })
  const page = await context.newPage()
  await signIn(page, username)
  const row = page.getByTestId('session-row')
  await expect(row).toHaveCount(1)
  await expect(row.getByRole('cell').first(), 'the device should be named, not shown as a raw User-Agent header').toHaveText('Chrome on Linux', { useInnerText: true })
  await expect(row).not.toContainText('Mozilla/5.0')
  const signedIn = row.getByRole('cell').nth(2).locator('time')
  const iso = (await signedIn.getAttribute('datetime'))!
  const local = new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone })
  await expect(signedIn, `the sign-in time should read in ${timeZone}`).toHaveText(local)
  await expect(row.getByRole('cell').nth(3)).toHaveText('just now', { useInnerText: true })
  // The same device in the activity list.
  await expect(page.getByTestId('activity-item').first()).toContainText('Signed in')
  await expect(page.getByTestId('activity-item').first()).toContainText('Chrome on Linux')
  await context.close()
})
