import { expect, test } from '../fixtures'
import { submitSignIn } from './browser'

// The pages run under a strict Content-Security-Policy (nonces, no inline code) without a single
// violation, and the policy is really enforced.
test('every page works under its Content-Security-Policy, and the policy is enforced', async ({ page, user: { username } }) => {
  const violations: string[] = []
  page.on('console', (message) => {
    if (/content security policy/i.test(message.text())) violations.push(message.text())
  })
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`)
    })
  })

  for (const path of ['/signup', '/no-such-page', '/docs', '/login']) {
    const response = await page.goto(path)
    expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[\w+/=]+' 'strict-dynamic'/)
  }
  await submitSignIn(page, username)
  await expect(page.getByTestId('signed-in-as')).toHaveText(username)
  await page.getByRole('button', { name: 'Save profile' }).click()
  await expect(page.getByText('Profile saved.')).toBeVisible()
  expect(violations).toEqual([])

  // Markup injected as an XSS would inject it: its inline handler is blocked, and reported.
  await page.evaluate(() => {
    document.body.insertAdjacentHTML('beforeend', '<img src="/no-such-image.png" onerror="window.injected = true">')
  })
  await expect.poll(() => violations.length).toBeGreaterThan(0)
  expect(violations.join('\n')).toContain('inline event handler')
  expect(await page.evaluate(() => (window as { injected?: boolean }).injected)).toBeUndefined()
})
