import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import nodemailer, { type Transporter } from 'nodemailer'
import { appOrigin, dataPath, getEnv } from './env'

// Where mail goes. With SMTP_URL, through that server (nodemailer); without it, outside production,
// into the development outbox (DATA_DIR/outbox, listed on /dev/outbox) so that `npm run dev` needs
// no mail server; in production without SMTP_URL, nowhere: the API says so rather than claim a
// message is on its way (lib/signin/recovery.ts).

export type Message = { to: string; subject: string; text: string }
export type OutboxMessage = Message & { id: string; at: string }

type Transport = 'smtp' | 'outbox' | 'none'

function transport(): Transport {
  const env = getEnv()
  if (env.SMTP_URL !== undefined) return 'smtp'
  return env.NODE_ENV === 'production' ? 'none' : 'outbox'
}

/** False in production without SMTP_URL: no message can be sent. */
export function canSendMail(): boolean {
  return transport() !== 'none'
}

/** True where /dev/outbox exists: outside production, without SMTP_URL. */
export function outboxEnabled(): boolean {
  return transport() === 'outbox'
}

// One pooled transport per process, shared by every route bundle's copy of this module.
const shared = globalThis as typeof globalThis & { passgateMailer?: Transporter }

function smtp(): Transporter {
  shared.passgateMailer ??= nodemailer.createTransport(smtpOptions(new URL(getEnv().SMTP_URL!)))
  return shared.passgateMailer
}

/**
 * The transport's options, from the URL lib/platform/env.ts checked, as fields: nodemailer never parses
 * (nor logs) the URL itself. `smtps:` is TLS from the start (port 465); `smtp:` must upgrade with
 * STARTTLS before the password is sent, except to this machine (a local relay), so that someone
 * on the path cannot strip TLS and read it. Waits are bounded: a mail server that hangs must not
 * hold background work, or a stopping server, for minutes.
 */
function smtpOptions(url: URL) {
  const secure = url.protocol === 'smtps:'
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    requireTLS: !secure && !local,
    auth: url.username === '' ? undefined : { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
    pool: true,
    maxConnections: 2,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  }
}

/** Sends one plain-text message; throws when it cannot (the caller logs it, without the text). */
export async function sendMail(message: Message): Promise<void> {
  switch (transport()) {
    case 'smtp':
      await smtp().sendMail({ from: getEnv().MAIL_FROM, ...message })
      return
    case 'outbox':
      await writeToOutbox(message)
      return
    case 'none':
      throw new Error('no mail transport: SMTP_URL is not set')
  }
}

const outboxDir = () => dataPath('outbox')

async function writeToOutbox(message: Message): Promise<void> {
  const at = new Date()
  const id = `${at.getTime()}-${randomUUID()}`
  await fs.mkdir(outboxDir(), { recursive: true })
  await fs.writeFile(`${outboxDir()}/${id}.json`, JSON.stringify({ id, at: at.toISOString(), ...message }), { mode: 0o600 })
  const port = getEnv().PORT ?? '3000'
  console.info(`passgate: "${message.subject}" to ${message.to} is in the development outbox: http://localhost:${port}/dev/outbox`)
}

/** The development outbox, newest first (at most 50). */
export async function listOutbox(): Promise<OutboxMessage[]> {
  let names: string[]
  try {
    names = await fs.readdir(outboxDir())
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const newest = names.filter((name) => name.endsWith('.json')).sort().reverse().slice(0, 50)
  return Promise.all(newest.map(async (name) => JSON.parse(await fs.readFile(`${outboxDir()}/${name}`, 'utf8')) as OutboxMessage))
}

/**
 * A link into the app: APP_URL, else (outside production) http://localhost:PORT. In production
 * without APP_URL (no mail is sent then; an admin's reset link) only the path: the request's own
 * Host header is never used to build a link.
 */
export function appLink(path: '/reset-password' | '/verify-email', token: string): string {
  return `${appOrigin() ?? ''}${path}?token=${token}`
}
