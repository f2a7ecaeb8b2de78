import type { Page, Route } from '@playwright/test'
import { expect, test } from '../fixtures'
import { PASSWORD, enrolTotp, logIn, signUp, uniqueName } from '../helpers'
import type { ExtraServer } from '../servers'
import { searchUsers, signIn, submitSignIn } from './browser'
import { addAuthenticator, heldCredentials, holdCredential, localhostUrl, passkeyServer, withoutAutofill } from './passkey-browser'
import { staleServer, waitUntilStale } from './second-factor'

// Passkeys in the browser, with Chromium's virtual authenticator as the device: adding one on
// /admin, signing in with it alone (by the button, and by the username field's suggestion), as the
// second step after a password, as the step-up; and what is refused: a removed passkey, a copied
// one whose counter went backwards. On servers of their own at http://localhost: browsers refuse
// passkeys at the main test server's 127.0.0.1.

const APP_CODE = 'Code from your authenticator app'

test.beforeEach(({ page }) => {
  // Errors and confirmations are in the page, never the browser's own dialogs.
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`)
  })
})

function passkeysSection(page: Page) {
  return page.getByRole('region', { name: 'Passkeys' })
}

/** Adds a passkey from /admin's Passkeys section, named `name` if given, and waits until the page says so. */
async function addPasskey(page: Page, name?: string): Promise<void> {
  const section = passkeysSection(page)
  if (name !== undefined) await section.getByLabel('Name (optional)').fill(name)
  await section.getByRole('button', { name: 'Add a passkey' }).click()
  await expect(section.getByRole('status')).toContainText(`Passkey “${name ?? 'Passkey'}” added.`)
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/login$/)
}

test.describe('on a server at localhost', () => {
  let server: ExtraServer
  test.use({ baseURL: localhostUrl(3211) })

  // One worker for the whole group, in order: its server, on a port of its own, is started once.
  test.describe.configure({ mode: 'default' })
  test.beforeAll(async () => {
    test.setTimeout(120_000)
    server = await passkeyServer(3211)
  })

  test.afterAll(async () => server?.stop())

  test('add a passkey, sign out, and sign in with it by the button; then with the password, it is the second step', async ({ page }) => {
    await withoutAutofill(page)
    const device = await addAuthenticator(page)
    const user = await signUp({}, server.url)
    await signIn(page, user.username)
    const section = passkeysSection(page)
    await expect(section).toContainText('No passkeys yet.')
    await addPasskey(page, 'work laptop')
    await expect(section.getByRole('status')).toHaveText('Passkey “work laptop” added. Your password alone no longer signs you in: a passkey is asked for after it.')
    const row = section.getByTestId('passkey-row')
    await expect(row).toHaveCount(1)
    await expect(row).toContainText('work laptop')
    await expect(row, 'the virtual authenticator keeps it on the device, unsynced').toContainText('This device only')
    await expect(section.getByTestId('passkey-backup-advice')).toContainText('Add a second passkey on another device, or set up an authenticator app')
    expect(await heldCredentials(device)).toHaveLength(1)
    await expect(page.getByTestId('activity-item').first()).toHaveText(/^Passkey added: work laptop/)
    // Plain fetch: what the document says of this answer is tests/api's to check.
    const password = await fetch(`${server.url}/api/token`, { method: 'POST', body: new URLSearchParams({ username: user.username, password: PASSWORD }) })
    expect(password.status, 'the password alone no longer signs in').toBe(403)
    expect((await password.json()).mfa_methods).toEqual(['passkey'])

    await signOut(page)
    await expect(page.getByLabel('Username')).toHaveAttribute('autocomplete', 'username webauthn')
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await expect(page).toHaveURL(/\/admin$/)
    await expect(page.getByTestId('signed-in-as')).toHaveText(user.username)
    await expect(page.getByTestId('activity-item').first()).toHaveText(/^Signed in with a passkey/)
    await expect(row.getByRole('cell').nth(2), 'last used').toHaveText(/just now|minute/)

    await row.getByRole('button', { name: 'Rename the passkey work laptop' }).click()
    const rename = page.getByRole('dialog', { name: 'Rename the passkey' })
    await rename.getByLabel('Name').fill('old laptop')
    await rename.getByRole('button', { name: 'Save' }).click()
    await expect(rename).toBeHidden()
    await expect(row).toContainText('old laptop')

    // A passkey-only account: the second step offers the passkey and nothing to type.
    await signOut(page)
    await submitSignIn(page, user.username)
    await expect(page.getByText('Your password is right. Now confirm with your passkey.')).toBeVisible()
    await expect(page.getByLabel(APP_CODE)).toHaveCount(0)
    await expect(page.getByRole('button', { name: 'Start again' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeFocused()
    await page.getByRole('button', { name: 'Use a passkey' }).click()
    await expect(page).toHaveURL(/\/admin$/)
    await expect(page.getByTestId('activity-item').first()).toHaveText(/^Signed in with the password and a passkey/)
  })

  test('opened at 127.0.0.1, /login says where passkeys work instead of offering a button that cannot', async ({ page }) => {
    const atAddress = `http://127.0.0.1:${new URL(localhostUrl(3211)).port}/login?next=%2Fadmin`
    await page.goto(atAddress)
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled()
    await expect(page.getByText('Passkeys work only at this server’s own address')).toBeVisible()
    await expect(page.getByRole('link', { name: localhostUrl(3211) })).toHaveAttribute('href', `${localhostUrl(3211)}/login?next=%2Fadmin`)
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toHaveCount(0)
  })

  test("the username field's suggestion signs in with the passkey the browser holds", async ({ page }) => {
    await addAuthenticator(page)
    const user = await signUp({}, server.url)
    await signIn(page, user.username)
    test.skip(!(await page.evaluate(() => PublicKeyCredential.isConditionalMediationAvailable())), 'this Chromium offers no passkeys among a field’s suggestions')
    await addPasskey(page)
    // Headless Chromium picks the one passkey it holds as soon as /login asks: no click, no typing.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await expect(page).toHaveURL(/\/admin$/)
    await expect(page.getByTestId('activity-item').first()).toHaveText(/^Signed in with a passkey/)
  })

  test('a passkey answers the second step of a user with an authenticator app, who keeps the code as the alternative', async ({ page }) => {
    await withoutAutofill(page)
    await addAuthenticator(page)
    const user = await signUp({}, server.url)
    const { authenticator } = await enrolTotp(await logIn(user.username, PASSWORD, server.url), server.url)
    await page.goto('/login')
    await submitSignIn(page, user.username)
    await page.getByLabel(APP_CODE).fill(await authenticator.nextCode())
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(page).toHaveURL(/\/admin$/)
    await addPasskey(page, 'phone')
    await expect(passkeysSection(page).getByRole('status'), 'the password needed a second step already').toHaveText('Passkey “phone” added.')
    await expect(passkeysSection(page).getByTestId('passkey-backup-advice'), 'the app and its recovery codes are the backup').toHaveCount(0)

    await signOut(page)
    await submitSignIn(page, user.username)
    await expect(page.getByText('Your password is right. Now confirm with your passkey, or enter the code from your authenticator app.')).toBeVisible()
    await expect(page.getByLabel(APP_CODE)).toBeVisible()
    await page.getByRole('button', { name: 'Use a passkey' }).click()
    await expect(page).toHaveURL(/\/admin$/)
    await expect(page.getByTestId('activity-item').first()).toHaveText(/^Signed in with the password and a passkey/)
  })

  test('a removed passkey is refused, in the page', async ({ page }) => {
    await withoutAutofill(page)
    const device = await addAuthenticator(page)
    const user = await signUp({}, server.url)
    await signIn(page, user.username)
    await addPasskey(page)
    const section = passkeysSection(page)
    await section.getByRole('button', { name: 'Remove the passkey Passkey' }).click()
    const ask = page.getByRole('dialog', { name: 'Remove the passkey “Passkey”?' })
    await expect(ask).toContainText('your password alone signs you in again')
    await ask.getByRole('button', { name: 'Remove passkey' }).click()
    await expect(ask).toBeHidden()
    await expect(section).toContainText('No passkeys yet.')
    await expect(page.getByTestId('activity-item').first()).toHaveText(/^Passkey removed: Passkey/)
    expect(await heldCredentials(device), 'the device still holds it').toHaveLength(1)

    await signOut(page)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await expect(page.getByTestId('form-error')).toHaveText('This passkey is not registered here (it may have been removed)')
    await expect(page).toHaveURL(/\/login$/)
  })

  test('a browser holding no passkey for the site: nothing is said until the button is pressed, then calmly; the password still works', async ({ page }) => {
    await addAuthenticator(page)
    const user = await signUp({}, server.url)
    await page.goto('/login')
    await page.waitForLoadState('networkidle')
    // Chromium ends the username field's request at once when it holds no passkey: the user asked for nothing.
    await expect(page.getByTestId('form-error')).toHaveCount(0)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await expect(page.getByTestId('form-error')).toHaveText('No passkey was used: the request was cancelled or timed out. Try again when you are ready.')
    await submitSignIn(page, user.username)
    await expect(page).toHaveURL(/\/admin$/)
  })

  test("a copy of a passkey whose signature counter went backwards is refused, and the owner's activity says so", async ({ page, browser }) => {
    await withoutAutofill(page)
    const device = await addAuthenticator(page)
    const user = await signUp({}, server.url)
    await signIn(page, user.username)
    await addPasskey(page, 'original')
    // One sign-in with it: the server's counter moves on with the device's.
    await signOut(page)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await expect(page).toHaveURL(/\/admin$/)
    const [original] = await heldCredentials(device)
    expect(original!.signCount).toBeGreaterThan(1)

    // Another browser holds a copy of it (the same key), whose counter starts again from 0.
    const other = await browser.newContext({ baseURL: localhostUrl(3211) })
    const copy = await other.newPage()
    await withoutAutofill(copy)
    await holdCredential(await addAuthenticator(copy), { ...original!, signCount: 0 })
    await copy.goto('/login')
    await copy.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await expect(copy.getByTestId('form-error')).toHaveText(
      "This passkey's signature counter went backwards, as a copied passkey's would: it was refused. Sign in another way, and remove it if you did not expect this.",
    )
    await expect(copy).toHaveURL(/\/login$/)
    await other.close()

    await page.reload()
    const activity = page.getByTestId('activity-item')
    await expect(activity.filter({ hasText: 'Copied passkey refused: original' })).toHaveCount(1)
    await expect(activity.filter({ hasText: 'Passkey refused at sign-in: its signature counter went backwards, as a copy’s would' })).toHaveCount(1)
  })
})

test.describe('on a server at localhost where a sign-in is fresh for 3 s, and admins must use two-step sign-in', () => {
  const admin = uniqueName('passkey_admin')
  const settings = { APP_URL: localhostUrl(3212), MFA_REQUIRED: 'admins' }
  let server: ExtraServer
  let second: ExtraServer | undefined
  test.use({ baseURL: localhostUrl(3212) })

  test.describe.configure({ mode: 'default' })
  test.beforeAll(async () => {
    test.setTimeout(120_000)
    server = await staleServer(3212, settings, admin)
  })

  test.afterAll(async () => Promise.all([server?.stop(), second?.stop()]))

  /** Adds the first passkey after a while: the password confirms it is the user. */
  async function addFirstPasskeyWhenStale(page: Page): Promise<void> {
    await waitUntilStale()
    await passkeysSection(page).getByRole('button', { name: 'Add a passkey' }).click()
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' })
    await dialog.getByLabel('Password').fill(PASSWORD)
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect(passkeysSection(page).getByTestId('passkey-row')).toHaveCount(1)
  }

  test('after a while, a passkey confirms it is you, and the token asked for is made', async ({ page }) => {
    await addAuthenticator(page)
    const user = await signUp({}, server.url)
    await signIn(page, user.username)
    await addFirstPasskeyWhenStale(page)

    await waitUntilStale()
    const tokens = page.getByRole('region', { name: 'Access tokens' })
    await tokens.getByLabel('Name').fill('deploy')
    await tokens.getByRole('button', { name: 'Create token' }).click()
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' })
    await expect(dialog.getByRole('button', { name: 'Use a passkey' }), 'the passkey first: nothing to type').toBeFocused()
    await expect(dialog.getByLabel('Password'), 'the API takes no password alone from a user with a passkey').toHaveCount(0)
    await dialog.getByRole('button', { name: 'Use a passkey' }).click()
    await expect(dialog).toBeHidden()
    await expect(tokens.getByTestId('new-token')).toBeVisible()
    await expect(page.getByTestId('activity-item').filter({ hasText: 'Identity confirmed with a passkey' })).toHaveCount(1)
  })

  test('with an authenticator app too, the step-up offers the passkey first and takes a code instead', async ({ page }) => {
    // Two codes of the app, each of its own time step: the second may wait for the next one.
    test.slow()
    await withoutAutofill(page)
    await addAuthenticator(page)
    const user = await signUp({}, server.url)
    const { authenticator, recoveryCodes } = await enrolTotp(await logIn(user.username, PASSWORD, server.url), server.url, PASSWORD)
    await page.goto('/login')
    await submitSignIn(page, user.username)
    await page.getByLabel(APP_CODE).fill(await authenticator.nextCode())
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(page).toHaveURL(/\/admin$/)
    await waitUntilStale()
    await passkeysSection(page).getByRole('button', { name: 'Add a passkey' }).click()
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' })
    await dialog.getByRole('button', { name: 'Use a recovery code instead' }).click()
    await dialog.getByLabel('Recovery code').fill(recoveryCodes[0]!)
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect(passkeysSection(page).getByTestId('passkey-row')).toHaveCount(1)

    await waitUntilStale()
    const tokens = page.getByRole('region', { name: 'Access tokens' })
    await tokens.getByLabel('Name').fill('deploy')
    await tokens.getByRole('button', { name: 'Create token' }).click()
    await expect(dialog.getByRole('button', { name: 'Use a passkey' })).toBeFocused()
    await dialog.getByLabel(APP_CODE).fill(await authenticator.nextCode())
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect(dialog).toBeHidden()
    await expect(tokens.getByTestId('new-token')).toBeVisible()
  })

  test("an admin held back by MFA_REQUIRED satisfies it with a passkey, and resets a user's passkeys from the directory", async ({ page, browser }) => {
    test.slow()
    await withoutAutofill(page)
    await addAuthenticator(page)
    await signIn(page, admin)
    await expect(page.getByRole('heading', { level: 2 }), 'the set-ups only').toHaveText(['Set up two-step sign-in', 'Passkeys'])
    await expect(page.locator('#two-step')).toContainText('set up an authenticator app, or add a passkey below, to carry on')
    await addFirstPasskeyWhenStale(page)
    await expect(page.getByRole('region', { name: 'Users' }), 'the whole page, an admin’s').toBeVisible()
    await expect(passkeysSection(page).getByRole('status'), 'the notice stays on screen').toContainText('Your password alone no longer signs you in')

    // A user with a passkey, in another browser.
    const user = await signUp({}, server.url)
    const other = await browser.newContext({ baseURL: localhostUrl(3212) })
    const userPage = await other.newPage()
    await addAuthenticator(userPage)
    await signIn(userPage, user.username)
    await addFirstPasskeyWhenStale(userPage)
    await other.close()

    const users = await searchUsers(page, user.username)
    const row = users.getByTestId('directory-row').filter({ hasText: user.username })
    await expect(row).toContainText('Passkey')
    await row.getByRole('button', { name: `Reset two-step sign-in ${user.username}` }).click()
    const ask = page.getByRole('dialog', { name: `Reset two-step sign-in for ${user.username}?` })
    await expect(ask).toContainText('authenticator app, recovery codes and passkeys stop working')
    await ask.getByRole('button', { name: `Reset two-step sign-in for ${user.username}` }).click()
    // The admin's own sign-in is stale by now: their passkey confirms it is them.
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' })
    await dialog.getByRole('button', { name: 'Use a passkey' }).click()
    await expect(users.getByRole('status').filter({ hasText: `Two-step sign-in is off for ${user.username}` })).toBeVisible()
    await expect(row).not.toContainText('Passkey')
    // Their password alone signs in again (logIn expects a 200).
    await logIn(user.username, PASSWORD, server.url)
  })

  test('a ceremony begun on one server is finished on another, on one PostgreSQL database', async ({ page }) => {
    test.skip(process.env.DATABASE_URL === undefined, 'two processes cannot share the embedded store (PGlite): this needs PostgreSQL')
    test.setTimeout(120_000)
    // A second instance behind the same address, as behind a load balancer.
    second ??= await staleServer(3213, settings)
    const finishedThere: number[] = []
    const toSecond = async (route: Route) => {
      // Playwright's copy of the request lacks the Sec-Fetch-Site the browser sent (same-origin, a
      // fetch of the page's own), which a load balancer passes on and the cross-site check reads.
      const headers = { ...route.request().headers(), 'sec-fetch-site': 'same-origin' }
      const response = await route.fetch({ url: second!.url + new URL(route.request().url()).pathname, headers })
      finishedThere.push(response.status())
      await route.fulfill({ response })
    }
    await withoutAutofill(page)
    await addAuthenticator(page)
    const user = await signUp({}, server.url)
    await signIn(page, user.username)

    // Registration: the options from the first server, the answer to the second.
    await page.route('**/api/users/me/passkeys', toSecond)
    await addFirstPasskeyWhenStale(page)
    expect(finishedThere).toEqual([201])

    // Sign-in: likewise.
    await signOut(page)
    await page.route('**/api/token', toSecond)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await expect(page).toHaveURL(/\/admin$/)
    await expect(page.getByTestId('signed-in-as')).toHaveText(user.username)
    expect(finishedThere).toEqual([201, 200])
  })
})
