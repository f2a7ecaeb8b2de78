import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from '../fixtures'
import { PASSWORD, api, bearer, logIn, signUp, uniqueName } from '../helpers'
import { uniqueEmail } from '../mailbox'
import { type ExtraServer, asServer, freshDataDir, testPort, waitForHealth } from '../servers'
import { expectNoAxeViolations, submitSignIn } from './browser'

// `npm run dev` as a new user starts it: `next dev` with no flags but the port (so on every
// address, and no --hostname that Next would allow besides localhost), no database server, no
// mail server, no public address. One server for the file: compiling each page on first use takes
// a while on a small machine. Its build goes to the suite's own folder (NEXT_DIST_DIR, set by
// playwright.config.ts), never to the .next/dev of a developer's `npm run dev`, which that server
// holds locked. It runs on the embedded store whatever the suite's database: once, in the
// embedded run.

test.skip(!!process.env.DATABASE_URL, 'runs once, in the embedded run: `npm run dev` has no DATABASE_URL')

let server: ExtraServer

test.beforeAll(async () => {
  test.setTimeout(180_000)
  // What an earlier `next dev` left there (on another port, say) can keep a page reloading.
  fs.rmSync(path.join(process.env.NEXT_DIST_DIR!, 'dev'), { recursive: true, force: true })
  const port = testPort(3205)
  const unset = ['NODE_ENV', 'DATABASE_URL', 'DATABASE_URL_UNPOOLED', 'SMTP_URL', 'MAIL_FROM', 'APP_URL']
  const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: freshDataDir('dev'), NEXT_TELEMETRY_DISABLED: '1' }
  for (const name of unset) delete env[name]
  const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next')
  const child = spawn(process.execPath, [nextBin, 'dev', '--port', String(port)], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  server = asServer(child, port, 'SIGTERM')
  await waitForHealth(server, 200, 120_000)
})

test.afterAll(async () => {
  await server?.stop()
})

/** The address Next prints as "Network:" (its first IPv4 address besides 127.0.0.1), if the machine has one. */
function networkAddress(): string | undefined {
  const addresses = Object.values(os.networkInterfaces()).flat()
  return addresses.find((entry) => entry?.family === 'IPv4' && entry.address !== '127.0.0.1')?.address
}

test('at localhost, 127.0.0.1 and the network address, the pages hydrate and sign-up works', async ({ page }) => {
  test.setTimeout(180_000)
  const network = networkAddress()
  const hosts = ['127.0.0.1', 'localhost', ...(network === undefined ? [] : [network])]
  if (network === undefined) test.info().annotations.push({ type: 'note', description: 'no network address besides loopback: not tried' })
  for (const host of hosts) {
    await test.step(host, async () => {
      const username = uniqueName('dev')
      await page.goto(`http://${host}:${testPort(3205)}/signup`)
      // The button stays disabled until the page's script has run (app/buttons.tsx).
      await expect(page.getByRole('button', { name: 'Sign up' }), `the page at ${host} never hydrated (Next refuses its dev resources to hosts not in allowedDevOrigins)`).toBeEnabled({ timeout: 60_000 })
      await page.getByLabel('Username').fill(username)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign up' }).click()
      await expect(page).toHaveURL(`http://${host}:${testPort(3205)}/admin`, { timeout: 60_000 })
      await expect(page.getByTestId('signed-in-as')).toHaveText(username)
    })
  }
  expect(server.output()).not.toContain('Blocked cross-origin request')
})

test('without SMTP_URL, mail lands in /dev/outbox and its link works', async ({ page }) => {
  test.setTimeout(120_000)
  const email = uniqueEmail('outbox')
  await signUp({ email }, server.url)

  await page.goto(`${server.url}/dev/outbox`)
  const message = page.getByTestId('outbox-message').filter({ hasText: email })
  // Mailed after the sign-up's response: look again until it is there.
  await expect(async () => {
    await page.reload()
    await expect(message).toHaveCount(1, { timeout: 1_000 })
  }).toPass({ timeout: 30_000 })
  await expect(message.getByRole('heading')).toHaveText('Confirm your email address')
  await message.getByRole('link', { name: /\/verify-email\?token=/ }).click()
  await expect(page.getByRole('status')).toHaveText('Your email address is verified.', { timeout: 30_000 })

  // Checked once every page is compiled: a first compile may reload the page under axe.
  await page.goto(`${server.url}/dev/outbox`)
  await expect(message).toHaveCount(1)
  await expectNoAxeViolations(page)
})

test('the first account makes itself the admin on the page, where `npm run user:promote` cannot open the store', async ({ page }) => {
  // The store is the server's, so the terminal commands cannot open it: a development server
  // offers the first admin on /admin instead (docs/decisions/018-first-admin-in-development.md).
  test.setTimeout(120_000)
  const user = await signUp({}, server.url)
  await page.goto(`${server.url}/login`)
  await submitSignIn(page, user.username)
  await expect(page).toHaveURL(/\/admin$/, { timeout: 30_000 })
  const offer = page.getByRole('region', { name: 'No admin yet' })
  await expectNoAxeViolations(page)
  await offer.getByRole('button', { name: 'Make me the admin' }).click()
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible({ timeout: 30_000 })
  await expect(offer).toHaveCount(0)
  // Once there is an admin, nobody else can take the role this way.
  const second = await signUp({}, server.url)
  const refused = await api('/api/dev/first-admin', { method: 'POST', headers: bearer(await logIn(second.username, PASSWORD, server.url)) }, server.url)
  expect(refused.status).toBe(409)
})
