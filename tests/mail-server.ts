// A real SMTP server inside the test run (smtp-server, from the Nodemailer project): it requires
// the credentials in SMTP_URL, parses each message with mailparser and files it as JSON in a
// folder that tests/mailbox.ts reads. No TLS: STARTTLS is not offered, as on a local relay.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export const MAIL_USER = 'passgate'
export const MAIL_PASSWORD = 'test-only mail password'

export type FiledMessage = { id: string; at: string; from: string; to: string[]; subject: string; text: string }

export async function startMailServer(port: number, dir: string): Promise<{ close(): Promise<void> }> {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === MAIL_USER && auth.password === MAIL_PASSWORD) callback(null, { user: auth.username })
      else callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const id = `${Date.now()}-${randomUUID()}`
          const message: FiledMessage = {
            id,
            at: new Date().toISOString(),
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
          }
          // Written whole, then renamed: a reader never sees half a message.
          fs.writeFileSync(`${dir}/${id}.tmp`, JSON.stringify(message))
          fs.renameSync(`${dir}/${id}.tmp`, `${dir}/${id}.json`)
          callback()
        },
        (error: Error) => callback(error),
      )
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}
