import AxeBuilder from '@axe-core/playwright'
import { type Locator, type Page, expect } from '@playwright/test'
import { PASSWORD } from '../helpers'

// What several browser tests do: sign in through the form, and check a page as a person with a
// screen reader, a keyboard or a phone would meet it.

export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 390, height: 844 }

/** A desktop Chrome on Linux, whatever browser runs the tests. */
export const CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'

/** Fills in the sign-in form of the page the browser is on (/login, maybe with a `next`) and sends it. */
export async function submitSignIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  // Exactly: a server at a name offers "Sign in with a passkey" too.
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

export async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/login')
  await submitSignIn(page, username, password)
  await expect(page, `${username} should land on their account page after signing in`).toHaveURL(/\/admin$/)
}

/** Searches the directory on /admin; the Users region, with what it found. */
export async function searchUsers(page: Page, text: string): Promise<Locator> {
  const users = page.getByRole('region', { name: 'Users' })
  await users.getByLabel('Username or email').fill(text)
  await users.getByRole('button', { name: 'Search' }).click()
  return users
}

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

/** No WCAG 2.1 A or AA violation that axe-core can find, each listed with where it is. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze()
  const found = violations.map((violation) => `${violation.id} (${violation.help}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)
  expect(found, `${page.url()} has accessibility problems that some visitors would meet`).toEqual([])
}

/** Nothing wider than the window: no sideways scrolling to read a row. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }))
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window: a reader would scroll sideways`).toBeLessThanOrEqual(innerWidth)
}
