import { randomBytes } from 'node:crypto'
import { expect, test } from '../fixtures'
import { PASSWORD, bearer, lockOut, logIn, newAdmin, patchJson, requestToken, signUp, uniqueName } from '../helpers'
import { CHROME_ON_LINUX, DESKTOP, PHONE, expectNoAxeViolations, searchUsers, signIn, submitSignIn } from './browser'

// The operator console on /admin: an admin searches the directory, acts on a user through a
// confirmation in the page, and reads the audit log; a plain user sees none of it.

test.beforeEach(({ page }) => {
  // Confirmations and errors are in the page, never the browser's own dialogs.
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`)
  })
})

test('an admin finds a user, disables them through the confirmation, and their browser is signed out; then enables them', async ({ page, browser, admin }) => {
  const target = await signUp({ email: `${uniqueName('mail')}@example.com` })

  // The user, signed in in a browser of their own.
  const theirs = await browser.newContext({ userAgent: CHROME_ON_LINUX })
  const theirPage = await theirs.newPage()
  await signIn(theirPage, target.username)

  await signIn(page, admin.username)
  // The search matches any letter case, as the API's does.
  const users = await searchUsers(page, target.username.toUpperCase())
  await expect(page, 'the search should be in the address, to reload or share').toHaveURL(new RegExp(`[?&]q=${target.username.toUpperCase()}`))
  const rows = users.getByTestId('directory-row')
  await expect(rows, `searching for ${target.username} should list that one user`).toHaveCount(1)
  const row = rows.first()
  await expect(row).toContainText(target.username)
  await expect(row.getByRole('cell').filter({ hasText: 'Active' })).toHaveCount(1)
  await expect(row.getByRole('cell', { name: '1', exact: true }), 'the user has one live session').toHaveCount(1)

  await row.getByRole('button', { name: `Disable ${target.username}` }).click()
  const dialog = page.getByRole('dialog', { name: `Disable ${target.username}?` })
  await expect(dialog, 'disabling should ask first, in the page').toBeVisible()
  await expect(dialog).toContainText(`${target.username} is signed out on every device at once (1 live session)`)
  await expect(dialog.getByRole('button', { name: 'Cancel' }), 'the safe choice has the focus').toBeFocused()
  await expectNoAxeViolations(page)
  await dialog.getByRole('button', { name: `Disable ${target.username}` }).click()
  await expect(dialog).toBeHidden()
  await expect(users.getByRole('status').filter({ hasText: `${target.username} is disabled and signed out everywhere.` })).toBeVisible()
  await expect(row, 'the row should show the new state without a reload').toContainText('Disabled')
  await expect(row.getByRole('button', { name: `Enable ${target.username}` })).toBeVisible()

  // Their browser is turned away on its next page.
  await theirPage.goto('/admin')
  await expect(theirPage, 'a disabled user should be sent to the sign-in page').toHaveURL(/\/login\?next=(%2F|\/)admin$/)
  await submitSignIn(theirPage, target.username)
  await expect(theirPage.getByTestId('form-error')).toHaveText('Inactive user')

  // The audit log, narrowed to this user by the row's Activity link, says who did it.
  await row.getByRole('link', { name: `Activity of ${target.username}` }).click()
  await expect(page).toHaveURL(new RegExp(`[?&]user=${target.id}(&|#|$)`))
  const audit = page.getByRole('region', { name: 'Audit log' })
  await expect(audit).toContainText(`Only events of ${target.username}`)
  const disabledEvent = audit.getByTestId('audit-row').filter({ has: page.getByRole('cell', { name: /^Account disabled/ }) })
  await expect(disabledEvent).toHaveCount(1)
  await expect(disabledEvent.getByRole('cell').nth(2), 'who disabled the account').toHaveText(admin.username, { useInnerText: true })
  await expect(disabledEvent.getByRole('cell').nth(3), 'whose account it was').toHaveText(target.username, { useInnerText: true })

  // And back: enabled, the user signs in again.
  await row.getByRole('button', { name: `Enable ${target.username}` }).click()
  const enable = page.getByRole('dialog', { name: `Enable ${target.username}?` })
  await enable.getByRole('button', { name: `Enable ${target.username}` }).click()
  await expect(enable).toBeHidden()
  await expect(row).toContainText('Active')
  await expect(audit.getByTestId('audit-row').filter({ has: page.getByRole('cell', { name: 'Account enabled' }) }), 'the audit log should show the new event').toHaveCount(1)
  await signIn(theirPage, target.username)
  await theirs.close()
})

test('the audit log filters by user and kind, and More brings the next page', async ({ page, admin, user }) => {
  // 52 sign-ins: a page of 50, and two more behind "More" (the 51st and 52nd end the oldest
  // sessions, which the filter by kind leaves out).
  for (let batch = 0; batch < 13; batch++) await Promise.all([1, 2, 3, 4].map(() => logIn(user.username)))
  expect((await requestToken(user.username, 'not the password')).status).toBe(401)

  await signIn(page, admin.username)
  const users = await searchUsers(page, user.username)
  await expect(users.getByTestId('directory-row')).toHaveCount(1)
  await users.getByRole('link', { name: `Activity of ${user.username}` }).click()
  const audit = page.getByRole('region', { name: 'Audit log' })
  await expect(audit).toContainText(`Only events of ${user.username}`)
  await audit.getByLabel('What happened').selectOption({ label: 'Signed in' })
  await audit.getByRole('button', { name: 'Filter' }).click()
  await expect(page, 'the filter should add the kind').toHaveURL(/[?&]kind=login_succeeded(&|$)/)
  await expect(page, 'the filter should keep the user').toHaveURL(new RegExp(`[?&]user=${user.id}(&|$)`))
  const rows = audit.getByTestId('audit-row')
  await expect(rows, 'a page of the log holds 50 events').toHaveCount(50)
  await expect(rows.filter({ hasNot: page.getByRole('cell', { name: 'Signed in', exact: true }) }), 'the filter should leave only sign-ins').toHaveCount(0)
  await audit.getByRole('button', { name: 'More events' }).click()
  await expect(rows, 'More should add the last two sign-ins below').toHaveCount(52)
  await expect(audit.getByRole('button', { name: 'More events' }), 'nothing more to load').toHaveCount(0)
  await expect(rows.filter({ hasNot: page.getByRole('cell', { name: 'Signed in', exact: true }) })).toHaveCount(0)
})

test("an admin's own row offers nothing the API would refuse them", async ({ page, admin }) => {
  await signIn(page, admin.username)
  const users = await searchUsers(page, admin.username)
  const row = users.getByTestId('directory-row').filter({ hasText: admin.username })
  await expect(row).toContainText('(you)')
  // Not Disable, Make user or Reset link: another admin must do the first two, and the password
  // form on this page is the way to a new password.
  await expect(row.getByRole('button')).toHaveText([`End all sessions ${admin.username}`])
})

test('a refused action shows why in the page; Cancel changes nothing', async ({ page, admin, user: target }) => {
  await signIn(page, admin.username)
  const users = await searchUsers(page, target.username)
  const row = users.getByTestId('directory-row').filter({ hasText: target.username })

  await row.getByRole('button', { name: `Make admin ${target.username}` }).click()
  const question = page.getByRole('dialog', { name: `Make ${target.username} an admin?` })
  await question.getByRole('button', { name: 'Cancel' }).click()
  await expect(question).toBeHidden()
  await expect(row).toContainText('User')

  // Another admin makes this one a plain user while the page is open.
  const other = await newAdmin()
  expect((await patchJson(`/api/users/${admin.id}`, { role: 'user' }, bearer(other.token))).status).toBe(200)
  await row.getByRole('button', { name: `Disable ${target.username}` }).click()
  await page.getByRole('dialog').getByRole('button', { name: `Disable ${target.username}` }).click()
  await expect(users.getByRole('alert'), 'the 403 detail should be shown inline').toHaveText(`Could not disable ${target.username}: Admins only`)
  await expect(row).toContainText('Active')
})

test('an admin lifts a lock-out from the directory', async ({ page, admin, user: target }) => {
  test.skip(!process.env.DATABASE_URL, 'writes the failure count through a second connection, as tests/api/admin.spec.ts does')
  await lockOut(target.username)

  await signIn(page, admin.username)
  const users = await searchUsers(page, target.username)
  const row = users.getByTestId('directory-row')
  await expect(row).toHaveCount(1)
  await expect(row).toContainText('Locked')
  await row.getByRole('button', { name: `Unlock ${target.username}` }).click()
  await page.getByRole('dialog').getByRole('button', { name: `Unlock ${target.username}` }).click()
  await expect(row).not.toContainText('Locked')
  await expect(row.getByRole('button', { name: `Unlock ${target.username}` })).toHaveCount(0)
})

test("a plain user's /admin shows their own account only, with links to its sections: no directory, no audit log, no admin links", async ({ page, user }) => {
  expect((await requestToken(user.username, 'not the password')).status).toBe(401)
  await signIn(page, user.username)
  await expect(page.getByRole('heading', { name: 'Recent security activity' })).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Users' }), 'a plain user must not see the directory').toHaveCount(0)
  await expect(page.getByRole('heading', { name: 'Audit log' }), 'a plain user must not see the audit log').toHaveCount(0)
  await expect(page.getByRole('search')).toHaveCount(0)
  await expect(page.getByRole('banner').getByRole('link', { name: 'passgate' }), 'the page names the product').toBeVisible()
  const sections = page.getByRole('navigation', { name: 'On this page' }).getByRole('link')
  await expect(sections).toHaveText(['Your account', 'Password', 'Two-step sign-in', 'Passkeys', 'Notes', 'Sessions', 'Access tokens', 'Your activity'])
  await sections.getByText('Access tokens').click()
  await expect(page).toHaveURL(/\/admin#tokens$/)
  await expect(page.getByRole('heading', { name: 'Access tokens' })).toBeInViewport()
  await expect(page.getByRole('link', { name: /activity of|audit/i })).toHaveCount(0)
  // Their own events, in plain words.
  const activity = page.getByTestId('activity-item')
  await expect(activity.first()).toContainText('Signed in')
  await expect(activity.filter({ hasText: 'Wrong password' })).toHaveCount(1)
  // Even asking with the page's address gets nothing more.
  await page.goto(`/admin?q=${user.username}&kind=login_failed`)
  await expect(page.getByRole('heading', { name: 'Users' })).toHaveCount(0)
})

test('the directory reads as a table on a desktop and as cards on a phone (the screenshots in docs/api.md)', async ({ page, admin }) => {
  // A small team with one tag, so that a search shows just them.
  const tag = `team${randomBytes(3).toString('hex')}`
  const alice = await signUp({ username: `${tag}_alice`, email: `alice@${tag}.example.com`, full_name: 'Alice Liddell' })
  const bob = await signUp({ username: `${tag}_bob`, email: `bob@${tag}.example.com` })
  const carol = await signUp({ username: `${tag}_carol`, full_name: 'Carol Danvers' })
  expect((await patchJson(`/api/users/${bob.id}`, { role: 'admin' }, bearer(admin.token))).status).toBe(200)
  expect((await patchJson(`/api/users/${carol.id}`, { disabled: true }, bearer(admin.token))).status).toBe(200)
  for (const user of [alice, alice, bob]) {
    expect((await requestToken(user.username, PASSWORD, { 'user-agent': CHROME_ON_LINUX })).status).toBe(200)
  }

  await page.setViewportSize(DESKTOP)
  await signIn(page, admin.username)
  await page.goto(`/admin?q=${tag}#users`)
  const users = page.getByRole('region', { name: 'Users' })
  await expect(users.getByTestId('directory-row')).toHaveCount(3)
  const card = users.getByTestId('directory-row').filter({ hasText: alice.username })
  await expect(card.getByText('Email', { exact: true }), 'a desktop names the values in the header row, not in each row').toBeHidden()
  await page.waitForLoadState('networkidle')
  if (process.env.SCREENSHOTS) await users.screenshot({ path: 'docs/screenshots/directory.png' })

  await page.setViewportSize(PHONE)
  await expect(card.getByText('Email', { exact: true }), 'a phone stacks each user as a card that names each value').toBeVisible()
  await expect(card.getByText(`alice@${tag}.example.com`)).toBeVisible()
  if (process.env.SCREENSHOTS) await users.screenshot({ path: 'docs/screenshots/directory-phone.png' })
})
