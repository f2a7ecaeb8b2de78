import fs from 'node:fs'
import path from 'node:path'
import { expect } from '@playwright/test'
import { TEST_FOLDER } from './folders.mjs'
import type { FiledMessage } from './mail-server'

// What the test run's SMTP server (tests/mail-server.ts, started with the test server by
// tests/server.ts) has received. Every test mails addresses of its own, so tests running in
// parallel never read each other's messages.

export const MAILBOX_DIR = path.resolve(TEST_FOLDER, `mailbox-${process.env.TEST_PORT ?? 3100}`)

export type Mail = FiledMessage & { links: string[] }

/** Every message to `to` so far, oldest first (matching `subject` if given). */
export function mailsTo(to: string, subject?: RegExp): Mail[] {
  const names = fs.existsSync(MAILBOX_DIR) ? fs.readdirSync(MAILBOX_DIR).filter((name) => name.endsWith('.json')).sort() : []
  return names
    .map((name) => JSON.parse(fs.readFileSync(path.join(MAILBOX_DIR, name), 'utf8')) as FiledMessage)
    .filter((mail) => mail.to.some((address) => address.toLowerCase() === to.toLowerCase()) && (subject === undefined || subject.test(mail.subject)))
    .map((mail) => ({ ...mail, links: mail.text.match(/https?:\/\/\S+/g) ?? [] }))
}

/** Waits for the `count`-th message to `to` (matching `subject`) and gives it. */
export async function waitForMail(to: string, options: { subject?: RegExp; count?: number; timeout?: number } = {}): Promise<Mail> {
  const count = options.count ?? 1
  await expect.poll(() => mailsTo(to, options.subject).length, { message: `message ${count} to ${to}`, timeout: options.timeout ?? 15_000 }).toBeGreaterThanOrEqual(count)
  return mailsTo(to, options.subject)[count - 1]!
}

/** The token of the message's first link to `path` (/reset-password, /verify-email). */
export function tokenIn(mail: Mail, linkPath: string): string {
  const link = mail.links.map((href) => new URL(href)).find((url) => url.pathname === linkPath)
  expect(link, `a ${linkPath} link in "${mail.subject}"`).toBeDefined()
  return link!.searchParams.get('token')!
}

/** A unique address for one test. */
export function uniqueEmail(prefix = 'someone'): string {
  return `${prefix}.${Math.random().toString(36).slice(2, 10)}@example.com`
}
