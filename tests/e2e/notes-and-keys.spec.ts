import { expect, test } from '../fixtures'
import { BASE_URL, api, bearer, logIn, signUp } from '../helpers'
import { signIn } from './browser'

// The two panels on /admin that call the notes and keys APIs from the browser: notes persist, API
// errors show inline, and a new access token is shown once, copied, works, and is gone for good.

test.beforeEach(({ page }) => {
  // Errors are shown inline, never in a dialog; a note that ran as HTML would open one too.
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected dialog: ${dialog.message()}`)
  })
})

test('add two notes, tick one, delete the other; a reload shows the same list', async ({ signedInPage: page }) => {
  const panel = page.getByRole('region', { name: 'Your notes' })
  await expect(panel).toContainText('No notes yet.')
  const notes = panel.getByTestId('note')
  // The second reads as markup, which must stay text.
  for (const text of ['buy milk', '<img src=x onerror=alert(1)>']) {
    await panel.getByLabel('New note').fill(text)
    await panel.getByRole('button', { name: 'Add' }).click()
    await expect(notes.last().getByRole('checkbox', { name: text, exact: true })).not.toBeChecked()
  }
  await expect(notes).toHaveCount(2)
  await expect(panel.getByLabel('New note'), 'the field empties for the next note').toHaveValue('')
  await expect(panel.locator('img')).toHaveCount(0)

  await panel.getByRole('checkbox', { name: 'buy milk' }).check()
  await expect(panel.getByRole('checkbox', { name: 'buy milk' })).toBeEnabled()
  await panel.getByRole('button', { name: 'Delete <img' }).click()
  await expect(notes).toHaveCount(1)

  await page.reload()
  await expect(notes).toHaveCount(1)
  await expect(panel.getByRole('checkbox', { name: 'buy milk' })).toBeChecked()
})

test("bad note text shows the API's message next to the field, and adds nothing", async ({ signedInPage: page, user: { username } }) => {
  const panel = page.getByRole('region', { name: 'Your notes' })
  const field = panel.getByLabel('New note')
  await field.fill('x'.repeat(1001))
  await panel.getByRole('button', { name: 'Add' }).click()
  await expect(panel.locator('#text-error')).toHaveText('Text must be at most 1000 characters')
  await expect(field).toHaveAttribute('aria-invalid', 'true')
  await expect(field).toHaveAccessibleDescription('Text must be at most 1000 characters')
  await expect(panel.getByTestId('note')).toHaveCount(0)

  // Fixed, it goes through and the message goes away.
  await field.fill('x'.repeat(1000))
  await panel.getByRole('button', { name: 'Add' }).click()
  await expect(panel.getByTestId('note')).toHaveCount(1)
  await expect(panel.locator('#text-error')).toHaveCount(0)

  // Deleted meanwhile (in another tab): ticking it says so and leaves it unticked.
  const token = await logIn(username)
  const [note] = await (await api('/api/notes', { headers: bearer(token) })).json()
  expect((await api(`/api/notes/${note.id}`, { method: 'DELETE', headers: bearer(token) })).status).toBe(204)
  await panel.getByRole('checkbox').click()
  await expect(panel.getByTestId('form-error')).toHaveText('Note not found')
  await expect(panel.getByRole('checkbox')).not.toBeChecked()
})

test('a new token is shown once, copies, works, stays out of the page after a reload, and dies when deleted', async ({ signedInPage: page, context, user: { username } }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL })
  const panel = page.getByRole('region', { name: 'Access tokens' })
  await expect(panel).toContainText('No tokens yet.')
  await panel.getByLabel('Name').fill('backup <b>job</b>')
  await panel.getByRole('radio', { name: 'Read and write' }).check()
  await expect(panel.getByLabel('Expires'), 'thirty days unless chosen otherwise').toHaveValue('30')
  await panel.getByRole('button', { name: 'Create token' }).click()

  const box = panel.getByTestId('new-token')
  await expect(box).toContainText('Copy this token now: it will not be shown again')
  await expect(box, 'the box takes the focus, so that it is read out').toBeFocused()
  const key = (await box.getByTestId('new-token-value').textContent())!
  expect(key).toMatch(/^pgk_[A-Za-z0-9_-]{43}$/)
  await expect(box.getByTestId('new-token-curl')).toHaveText(`curl -H "Authorization: Bearer ${key}" ${BASE_URL}/api/users/me`)

  await box.getByRole('button', { name: 'Copy' }).click()
  await expect(box.getByRole('status')).toHaveText('Copied')
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key)

  // What a script does with it.
  const me = await api('/api/users/me', { headers: bearer(key) })
  expect(me.status).toBe(200)
  expect((await me.json()).username).toBe(username)

  // Listed by its prefix only, with the name as text.
  const row = panel.getByTestId('token-row')
  await expect(row).toHaveCount(1)
  await expect(row).toContainText('backup <b>job</b>')
  await expect(row).toContainText('Read and write')
  await expect(row).toContainText(`${key.slice(0, 12)}…`)
  const expires = Date.parse((await row.getByRole('cell').nth(3).locator('time').getAttribute('datetime'))!)
  expect(Math.abs(expires - Date.now() - 30 * 86_400_000)).toBeLessThan(60_000)

  // Done: out of the page at once, and never kept where a reload could find it.
  await box.getByRole('button', { name: 'Done' }).click()
  await expect(box).toHaveCount(0)
  await expect(panel.getByLabel('Name')).toBeFocused()
  expect(await page.content()).not.toContain(key)
  expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href)).not.toContain(key.slice(4))

  await page.reload()
  await expect(row).toContainText(`${key.slice(0, 12)}…`)
  await expect(row.getByRole('cell').nth(4), 'the script just used it').toHaveText('just now', { useInnerText: true })
  await expect(panel.getByTestId('new-token')).toHaveCount(0)
  expect(await page.content()).not.toContain(key)
  expect(await page.content()).not.toContain(key.slice(12))

  await row.getByRole('button', { name: 'Delete the token backup <b>job</b>' }).click()
  const dialog = page.getByRole('dialog')
  await expect(dialog).toContainText('Delete the token “backup <b>job</b>”?')
  await expect(dialog).toContainText(`${key.slice(0, 12)}…`)
  await dialog.getByRole('button', { name: 'Delete token' }).click()
  await expect(row).toHaveCount(0)
  await expect(panel).toContainText('No tokens yet.')
  expect((await api('/api/users/me', { headers: bearer(key) })).status).toBe(401)
})

test('without a clipboard API, Copy selects the token; leaving the page forgets it', async ({ page }) => {
  // As on a page served over plain http, where browsers leave navigator.clipboard out.
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }))
  const { username } = await signUp()
  await signIn(page, username)
  const panel = page.getByRole('region', { name: 'Access tokens' })
  await panel.getByLabel('Name').fill('no clipboard')
  await panel.getByLabel('Expires').selectOption({ label: 'Never' })
  await panel.getByRole('button', { name: 'Create token' }).click()
  const box = panel.getByTestId('new-token')
  const key = (await box.getByTestId('new-token-value').textContent())!
  await box.getByRole('button', { name: 'Copy' }).click()
  await expect(box.getByRole('status')).toContainText('press Ctrl+C')
  expect(await page.evaluate(() => window.getSelection()?.toString())).toBe(key)
  await expect(panel.getByTestId('token-row')).toContainText('Never')

  // Leaving the page (a sign-out, a link) forgets it, in case the Back button restores the page.
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })))
  await expect(box).toHaveCount(0)
  expect(await page.content()).not.toContain(key)
})
