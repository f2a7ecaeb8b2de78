import fs from 'node:fs/promises'
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures'
import { Authenticator, PASSWORD, api, bearer, changePassword, enrolTotp, logIn, me, requestToken, signUp, uniqueName } from '../helpers'
import { type ExtraServer, testPort } from '../servers'
import { searchUsers, signIn, submitSignIn } from './browser'
import { staleServer, waitUntilStale } from './second-factor'

// Two-step sign-in in the browser: set up from /admin with a code computed from the key the page
// shows, signing in with a code or a recovery code, new codes, turning it off, an admin's reset;
// and the dialog that asks "is it still you?" when a sign-in is too old for what the user does.

const APP_CODE = 'Code from your authenticator app'
const RECOVERY_CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/

test.beforeEach(({ page }) => {
  // Errors and confirmations are in the page, never the browser's own dialogs.
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`)
  })
})

/** The recovery codes shown once in `page`'s box, one a line. */
async function shownRecoveryCodes(page: Page): Promise<string[]> {
  const codes = (await page.getByTestId('recovery-codes-value').innerText()).split('\n')
  expect(codes).toHaveLength(10)
  for (const code of codes) expect(code).toMatch(RECOVERY_CODE)
  return codes
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/login$/)
}

test('set up two-step sign-in from the key on the page; then sign in with a code, and with a recovery code', async ({ signedInPage: page, user }) => {
  const section = page.getByRole('region', { name: 'Two-step sign-in' })
  await section.getByRole('button', { name: 'Set up' }).click()
  await expect(section.getByRole('img', { name: 'QR code of the key, for your authenticator app' })).toHaveAttribute('src', /^data:image\/svg\+xml/)
  const secret = (await section.getByTestId('totp-secret').textContent())!.replace(/\s/g, '')
  expect(secret, 'the key, to type in, in base32').toMatch(/^[A-Z2-7]{32}$/)
  const app = new Authenticator(secret)
  const code = section.getByLabel(APP_CODE)
  await expect(code).toHaveAttribute('autocomplete', 'one-time-code')
  await expect(code).toHaveAttribute('inputmode', 'numeric')

  // A code of another time is refused beside the field, and nothing is turned on.
  await code.fill(app.wrongCode())
  await section.getByRole('button', { name: 'Turn on' }).click()
  await expect(section.locator('#totp_code-error')).toHaveText(/^Wrong code/)
  await code.fill(await app.nextCode())
  await section.getByRole('button', { name: 'Turn on' }).click()

  const box = section.getByTestId('recovery-codes')
  await expect(box, 'the box takes the focus, so that it is read out').toBeFocused()
  await expect(box).toContainText('Save your recovery codes now: they will not be shown again')
  const recoveryCodes = await shownRecoveryCodes(page)
  const [download] = await Promise.all([page.waitForEvent('download'), box.getByRole('button', { name: 'Download' }).click()])
  expect(download.suggestedFilename()).toBe('passgate-recovery-codes.txt')
  expect(await fs.readFile(await download.path(), 'utf8')).toBe(`${recoveryCodes.join('\n')}\n`)
  // The page behind the box has caught up.
  await expect(section.getByTestId('recovery-codes-left')).toContainText('10 left')
  await box.getByRole('button', { name: 'Done' }).click()
  await expect(box).toHaveCount(0)
  expect(await page.content()).not.toContain(recoveryCodes[0])

  // The password, then a code: the next time step's (the one just used is spent).
  await signOut(page)
  await submitSignIn(page, user.username)
  const field = page.getByLabel(APP_CODE)
  await expect(field, 'the code step takes the focus').toBeFocused()
  await expect(field).toHaveAttribute('autocomplete', 'one-time-code')
  await field.fill(app.wrongCode())
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.locator('#otp-error')).toHaveText('Wrong code')
  await expect(page).toHaveURL(/\/login$/)
  await field.fill(await app.nextCode())
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page).toHaveURL(/\/admin$/)

  // The password, then a recovery code, typed in capitals: it works once.
  await signOut(page)
  await submitSignIn(page, user.username)
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click()
  await expect(page.getByLabel('Recovery code')).toBeFocused()
  await page.getByLabel('Recovery code').fill(recoveryCodes[0]!.toUpperCase())
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page).toHaveURL(/\/admin$/)
  await expect(section.getByTestId('recovery-codes-left')).toContainText('9 left')

  await signOut(page)
  await submitSignIn(page, user.username)
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click()
  await page.getByLabel('Recovery code').fill(recoveryCodes[0]!)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.locator('#otp-error'), 'a recovery code works once').toHaveText('Wrong code')
})

test('a code step outlived by a password change says to start again, and starting again asks for the password only', async ({ page, session }) => {
  const { recoveryCodes } = await enrolTotp(session.token)
  await page.goto('/login')
  await submitSignIn(page, session.username)
  await expect(page.getByLabel(APP_CODE)).toBeFocused()
  const newPassword = 'another long passphrase'
  expect((await changePassword(session.token, PASSWORD, newPassword)).status).toBe(204)

  await page.getByRole('button', { name: 'Use a recovery code instead' }).click()
  await page.getByLabel('Recovery code').fill(recoveryCodes[0]!)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByTestId('form-error')).toHaveText('This sign-in has expired, or had too many wrong codes: start again with your password.')
  await page.getByRole('button', { name: 'Start again' }).click()
  await expect(page.getByLabel('Username')).toHaveValue(session.username)
  await expect(page.getByLabel('Password')).toBeFocused()
  await page.getByLabel('Password').fill(newPassword)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click()
  await page.getByLabel('Recovery code').fill(recoveryCodes[0]!)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page).toHaveURL(/\/admin$/)
})

test('new recovery codes are shown once in place of the old; turning it off leaves the password alone', async ({ signedInPage: page, user }) => {
  const { recoveryCodes: old } = await enrolTotp(await logIn(user.username))
  await page.reload()
  const section = page.getByRole('region', { name: 'Two-step sign-in' })
  await expect(section.getByTestId('recovery-codes-left')).toContainText('10 left')

  await section.getByRole('button', { name: 'New recovery codes' }).click()
  const ask = page.getByRole('dialog', { name: 'Make new recovery codes?' })
  await expect(ask).toContainText('The 10 codes you have left stop working at once.')
  await ask.getByRole('button', { name: 'Make new codes' }).click()
  await expect(ask).toBeHidden()
  const fresh = await shownRecoveryCodes(page)
  expect(fresh).not.toContain(old[0])
  await section.getByRole('button', { name: 'Done' }).click()

  await section.getByRole('button', { name: 'Turn off' }).click()
  const off = page.getByRole('dialog', { name: 'Turn two-step sign-in off?' })
  await off.getByRole('button', { name: 'Turn off' }).click()
  await expect(off).toBeHidden()
  await expect(section.getByRole('button', { name: 'Set up' })).toBeVisible()
  expect((await requestToken(user.username, PASSWORD)).status, 'the password alone signs in again').toBe(200)
})

test("an admin sees who uses two-step sign-in and resets a user's, which signs them out", async ({ page, admin, session }) => {
  await enrolTotp(session.token)
  await signIn(page, admin.username)
  const users = await searchUsers(page, session.username)
  const row = users.getByTestId('directory-row').filter({ hasText: session.username })
  await expect(row).toContainText('2FA')

  await row.getByRole('button', { name: `Reset two-step sign-in ${session.username}` }).click()
  const ask = page.getByRole('dialog', { name: `Reset two-step sign-in for ${session.username}?` })
  await expect(ask).toContainText('They are signed out everywhere (1 live session).')
  await ask.getByRole('button', { name: `Reset two-step sign-in for ${session.username}` }).click()
  await expect(users.getByRole('status').filter({ hasText: `Two-step sign-in is off for ${session.username}, who is signed out everywhere.` })).toBeVisible()
  await expect(row).not.toContainText('2FA')
  await expect(row.getByRole('button', { name: `Reset two-step sign-in ${session.username}` })).toHaveCount(0)
  expect((await me(session.token)).status, 'their sessions ended').toBe(401)
  expect((await requestToken(session.username, PASSWORD)).status, 'their password alone signs in').toBe(200)
})

test.describe('on a server where a sign-in is fresh for 3 s, and admins must use two-step sign-in', () => {
  const admin = uniqueName('stale_admin')
  let server: ExtraServer
  test.use({ baseURL: `http://127.0.0.1:${testPort(3208)}` })

  // One worker for the whole group, in order: its server, on a port of its own, is started once.
  test.describe.configure({ mode: 'default' })
  test.beforeAll(async () => {
    test.setTimeout(120_000)
    server = await staleServer(3208, { MFA_REQUIRED: 'admins' }, admin)
  })

  test.afterAll(async () => server?.stop())

  test('creating a token after a while asks for the password; Cancel leaves the form, and the password finishes it', async ({ page }) => {
    const user = await signUp({}, server.url)
    await signIn(page, user.username)
    await waitUntilStale()
    const tokens = page.getByRole('region', { name: 'Access tokens' })
    await tokens.getByLabel('Name').fill('deploy')
    await tokens.getByRole('button', { name: 'Create token' }).click()
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' })
    await expect(dialog.getByLabel('Password'), 'the password field has the focus').toBeFocused()
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await expect(dialog).toBeHidden()
    await expect(tokens.getByTestId('form-error')).toHaveText('Not done: it needs you to confirm it is you. Try again when you are ready.')
    await expect(tokens.getByLabel('Name')).toHaveValue('deploy')
    await expect(tokens.getByTestId('token-row')).toHaveCount(0)

    await tokens.getByRole('button', { name: 'Create token' }).click()
    await dialog.getByLabel('Password').fill('not the password')
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect(dialog.locator('#reauth_password-error')).toHaveText('Incorrect password')
    await dialog.getByLabel('Password').fill(PASSWORD)
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect(dialog).toBeHidden()
    const box = tokens.getByTestId('new-token')
    await expect(box, 'the token asked for is made and shown').toBeVisible()
    const key = (await box.getByTestId('new-token-value').textContent())!
    expect((await api('/api/users/me', { headers: bearer(key) }, server.url)).status).toBe(200)
    await expect(tokens.getByTestId('form-error')).toHaveCount(0)
  })

  test('with two-step sign-in, the dialog asks for a code, and takes a recovery code', async ({ page }) => {
    const user = await signUp({}, server.url)
    const { authenticator, recoveryCodes } = await enrolTotp(await logIn(user.username, PASSWORD, server.url), server.url, PASSWORD)
    await page.goto('/login')
    await submitSignIn(page, user.username)
    await page.getByLabel(APP_CODE).fill(await authenticator.nextCode())
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(page).toHaveURL(/\/admin$/)
    await waitUntilStale()

    const tokens = page.getByRole('region', { name: 'Access tokens' })
    await tokens.getByLabel('Name').fill('deploy')
    await tokens.getByRole('button', { name: 'Create token' }).click()
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' })
    await expect(dialog.getByLabel(APP_CODE)).toBeFocused()
    await expect(dialog.getByLabel('Password')).toHaveCount(0)
    await dialog.getByRole('button', { name: 'Use a recovery code instead' }).click()
    await dialog.getByLabel('Recovery code').fill(recoveryCodes[0]!)
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect(dialog).toBeHidden()
    await expect(tokens.getByTestId('new-token')).toBeVisible()
  })

  test('an admin without a second factor sees only the set-up; once it is on, the whole page, with the codes still shown', async ({ page }) => {
    await signIn(page, admin)
    await expect(page.getByRole('heading', { level: 2 }), 'the set-ups only: an app, or a passkey').toHaveText(['Set up two-step sign-in', 'Passkeys'])
    await expect(page.getByRole('navigation', { name: 'On this page' })).toHaveCount(0)
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible()

    // Slow, as someone reading each step is: each request finds the sign-in stale, and the
    // password confirms it before the request goes through.
    const section = page.locator('#two-step')
    const confirmWithPassword = async () => {
      const dialog = page.getByRole('dialog', { name: 'Confirm it is you' })
      await dialog.getByLabel('Password').fill(PASSWORD)
      await dialog.getByRole('button', { name: 'Confirm' }).click()
      await expect(dialog).toBeHidden()
    }
    await waitUntilStale()
    await section.getByRole('button', { name: 'Set up' }).click()
    await confirmWithPassword()
    const secret = (await section.getByTestId('totp-secret').textContent())!
    await waitUntilStale()
    await section.getByLabel(APP_CODE).fill(await new Authenticator(secret).nextCode())
    await section.getByRole('button', { name: 'Turn on' }).click()
    await confirmWithPassword()

    const codes = await shownRecoveryCodes(page)
    await expect(page.getByRole('region', { name: 'Users' }), 'the whole page, an admin’s').toBeVisible()
    await expect(section.getByRole('heading', { level: 2 })).toHaveText('Two-step sign-in')
    expect(await shownRecoveryCodes(page), 'the same codes, still on screen').toEqual(codes)
    await expect(section.getByRole('button', { name: 'Turn off' }), 'required here: no way to turn it off').toHaveCount(0)
  })
})
