import { expect, expectFieldError, expectInvalidToken, expectRefreshRefused, test } from '../fixtures'
import {
  BASE_URL,
  PASSWORD,
  type User,
  api,
  bearer,
  lockOut,
  logIn,
  me,
  patchJson,
  postJson,
  refreshGrant,
  requestToken,
  resetLink,
  signUp,
  withSql,
  withToken,
} from '../helpers'
import { type Mail, mailsTo, tokenIn, uniqueEmail, waitForMail } from '../mailbox'
import { freshDataDir, startServer, waitForHealth } from '../servers'

// Account recovery over real SMTP: password reset links, email verification and admins' one-time
// links. Every message goes to the test run's SMTP server (tests/mail-server.ts).

const embedded = !process.env.DATABASE_URL
const NEW_PASSWORD = 'a brand new passphrase'
const ACCEPTED = { detail: 'If the account exists, a message is on its way.' }
const RESET = /Reset your password/
const VERIFY = /Confirm your email address/

type Verified = User & { email: string }

/** A user whose email is verified through the link mailed at sign-up. */
async function verifiedUser(): Promise<Verified> {
  const email = uniqueEmail()
  const user = await signUp({ email })
  const mail = await waitForMail(email, { subject: VERIFY })
  expect((await confirmEmail(tokenIn(mail, '/verify-email'))).status).toBe(204)
  return { ...user, email }
}

const confirmEmail = (token: string) => postJson('/api/email-verification/confirm', { token })
const askReset = (by: { email: string } | { username: string }) => postJson('/api/password-reset', by)
const confirmReset = (token: string, newPassword = NEW_PASSWORD) => postJson('/api/password-reset/confirm', { token, new_password: newPassword })

test.describe('password reset', () => {
  test('known and unknown accounts get the same answer; only a verified, known one gets mail', async () => {
    const user = await verifiedUser()
    const unknownEmail = uniqueEmail('nobody')
    const asks = [{ email: user.email }, { username: user.username }, { email: unknownEmail }, { username: 'no_such_user_here' }]
    const answers = await Promise.all(asks.map(askReset))
    for (const answer of answers) {
      expect(answer.status).toBe(202)
      expect(await answer.json()).toEqual(ACCEPTED)
    }
    const headerNames = answers.map((answer) => [...answer.headers.keys()].filter((name) => name !== 'date').sort())
    for (const names of headerNames) expect(names).toEqual(headerNames[0])
    const first = await waitForMail(user.email, { subject: RESET, count: 2 })
    expect(first.from).toBe('no-reply@passgate.test')
    expect(first.text).toContain(`Hello ${user.username},`)
    expect(first.links).toEqual([expect.stringMatching(new RegExp(`^${BASE_URL}/reset-password\\?token=[A-Za-z0-9_-]{43}$`))])
    expect(mailsTo(unknownEmail)).toEqual([])
  })

  test('the link sets a new password once; the old password and every session, refresh token and key are dead', async () => {
    const user = await verifiedUser()
    const session = await withToken(user)
    const grant = await (await requestToken(user.username, PASSWORD)).json()
    const key = await (await postJson('/api/keys', { name: 'script', scopes: ['read'] }, bearer(session.token))).json()
    expect((await me(key.key)).status).toBe(200)

    const token = await resetLink(user)
    const reset = await confirmReset(token)
    expect(reset.status).toBe(204)

    await expectInvalidToken(await me(session.token))
    await expectInvalidToken(await me(grant.access_token))
    await expectRefreshRefused(await refreshGrant(grant.refresh_token))
    await expectInvalidToken(await me(key.key))
    expect((await requestToken(user.username, PASSWORD)).status).toBe(401)
    expect((await requestToken(user.username, NEW_PASSWORD)).status).toBe(200)

    const again = await confirmReset(token, 'yet another passphrase')
    expect(again.status).toBe(400)
    expect(await again.json()).toEqual({ detail: 'Invalid or expired reset link' })
    expect((await requestToken(user.username, NEW_PASSWORD)).status).toBe(200)
  })

  test('a new request voids the older link', async () => {
    const user = await verifiedUser()
    const older = await resetLink(user, 1)
    const newer = await resetLink(user, 2)
    expect(newer).not.toBe(older)
    expect((await confirmReset(older)).status).toBe(400)
    expect((await confirmReset(newer)).status).toBe(204)
  })

  test('two confirmations racing with one link: exactly one wins', async () => {
    const user = await verifiedUser()
    const token = await resetLink(user)
    const answers = await Promise.all([confirmReset(token, 'first racing passphrase'), confirmReset(token, 'second racing passphrase')])
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 400])
    const winner = answers[0]!.status === 204 ? 'first racing passphrase' : 'second racing passphrase'
    expect((await requestToken(user.username, winner)).status).toBe(200)
  })

  test('no session made with the old password survives, even one whose login was inside bcrypt during the reset', async () => {
    const user = await verifiedUser()
    const token = await resetLink(user)
    const logins = Array.from({ length: 8 }, () => requestToken(user.username, PASSWORD))
    const reset = confirmReset(token)
    const granted = await Promise.all(logins)
    expect((await reset).status).toBe(204)
    for (const answer of granted) {
      if (answer.status !== 200) continue
      await expectInvalidToken(await me((await answer.json()).access_token))
    }
  })

  test('an unverified email gets no reset link, asked by address or by name', async () => {
    const email = uniqueEmail()
    const user = await signUp({ email })
    await waitForMail(email, { subject: VERIFY })
    expect((await askReset({ email })).status).toBe(202)
    expect((await askReset({ username: user.username })).status).toBe(202)
    // The verified user's mail is sent after these requests; once it has arrived, none came here.
    const other = await verifiedUser()
    await resetLink(other)
    expect(mailsTo(email, RESET)).toEqual([])
  })

  test('a disabled user gets no link, and a link made before disabling stops working', async ({ admin }) => {
    const user = await verifiedUser()
    const token = await resetLink(user)
    expect((await patchJson(`/api/users/${user.id}`, { disabled: true }, bearer(admin.token))).status).toBe(200)
    expect((await confirmReset(token)).status).toBe(400)
    expect((await patchJson(`/api/users/${user.id}`, { disabled: false }, bearer(admin.token))).status).toBe(200)
    // Enabling again does not bring the link back.
    expect((await confirmReset(token)).status).toBe(400)
  })

  test('a password changed after the link was mailed voids it', async () => {
    const user = await verifiedUser()
    const token = await resetLink(user)
    const session = await withToken(user)
    const changed = await postJson('/api/users/me/password', { current_password: PASSWORD, new_password: 'changed meanwhile 123' }, bearer(session.token))
    expect(changed.status).toBe(204)
    expect((await confirmReset(token)).status).toBe(400)
  })

  test('the new password follows the rules; a refused one leaves the link usable', async () => {
    const user = await verifiedUser()
    const token = await resetLink(user)
    await expectFieldError(await confirmReset(token, 'short'), ['body', 'new_password'])
    await expectFieldError(await confirmReset(token, 'password123'), ['body', 'new_password'])
    const asName = await confirmReset(token, user.username.toUpperCase())
    await expectFieldError(asName, ['body', 'new_password'])
    expect((await confirmReset(token)).status).toBe(204)
  })

  test('malformed requests and links answer 4xx with a detail', async () => {
    await expectFieldError(await askReset({ email: 'not an address' }), ['body', 'email'])
    for (const body of [{}, { email: uniqueEmail(), username: 'both_given' }, { username: 'x', extra: 1 }]) {
      const response = await postJson('/api/password-reset', body)
      expect(response.status).toBe(422)
    }
    for (const token of ['', 'nope', 'A'.repeat(43), 'A'.repeat(5000), '../../etc/passwd', 'bad\u0000token', '\ud800']) {
      const response = await confirmReset(token)
      expect(response.status, token).toBe(400)
      expect(await response.json()).toEqual({ detail: 'Invalid or expired reset link' })
    }
    await expectFieldError(await postJson('/api/password-reset/confirm', { token: 42, new_password: NEW_PASSWORD }), ['body', 'token'])
  })

  test('requests are throttled per name or address asked about, known or not', async () => {
    const asks: ({ username: string } | { email: string })[] = [{ username: `nobody_${Date.now()}` }, { email: uniqueEmail('throttled') }]
    for (const by of asks) {
      for (let i = 0; i < 3; i++) expect((await askReset(by)).status).toBe(202)
      const refused = await askReset(by)
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
      // The same name in other letters is the same account.
      const other = 'username' in by ? { username: by.username.toUpperCase() } : { email: by.email.toUpperCase() }
      expect((await askReset(other)).status).toBe(429)
    }
  })

  test('asking by name and by address in turn does not get one account more mail than the limit', async ({ admin }) => {
    const user = await verifiedUser()
    for (let i = 0; i < 3; i++) {
      expect((await askReset({ username: user.username })).status).toBe(202)
      expect((await askReset({ email: user.email })).status).toBe(202)
    }
    // The other three are refused after their answers, in one audit row that counts them.
    const refused = async () => (await (await api(`/api/audit?user_id=${user.id}&kind=throttled`, { headers: bearer(admin.token) })).json()).items
    await expect.poll(async () => (await refused())[0]?.detail.count, { timeout: 15_000 }).toBe(3)
    expect(await refused()).toHaveLength(1)
    expect((await refused())[0].detail).toEqual({ action: 'password_reset_mail', count: 3 })
    await waitForMail(user.email, { subject: RESET, count: 3 })
    expect(mailsTo(user.email, RESET)).toHaveLength(3)
  })

  test('sign-ups naming a stranger\'s address cannot fill that mailbox, with or without +tags', async () => {
    const [local, domain] = uniqueEmail('stranger').split('@')
    const addresses = Array.from({ length: 8 }, (_, i) => (i < 4 ? `${local}@${domain}` : `${local}+tag${i}@${domain}`))
    await Promise.all(addresses.map((email) => signUp({ email })))
    const received = () => [...new Set(addresses)].flatMap((email) => mailsTo(email))
    await expect.poll(() => received().length, { timeout: 15_000 }).toBe(6)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    expect(received()).toHaveLength(6)
    // A message to an address not yet verified names no username (a stranger chose it).
    for (const mail of received()) expect(mail.text.startsWith('Hello,\n')).toBe(true)
  })

  test('sign-ups naming a verified owner\'s +tags spend only the strangers\' budget: the owner\'s reset mail and change notice still arrive', async () => {
    const dave = await verifiedUser()
    const [local, domain] = dave.email.split('@')
    // More throwaway sign-ups than one address may receive in a window, all to dave's mailbox.
    const tagged = Array.from({ length: 8 }, (_, i) => `${local}+${i}@${domain}`)
    await Promise.all(tagged.map((email) => signUp({ email })))
    const strangers = () => tagged.flatMap((email) => mailsTo(email))
    await expect.poll(() => strangers().length, { timeout: 15_000 }).toBe(5) // 6 a window, dave's own verification was the first
    // Dave asks for a reset: the link arrives, and it works.
    const link = await resetLink(dave)
    expect((await confirmReset(link)).status).toBe(204)
    // A thief with dave's session and new password moves the address: dave's mailbox is told.
    const session = await withToken({ ...dave, password: NEW_PASSWORD })
    expect((await patchJson('/api/users/me', { email: uniqueEmail('thief'), current_password: NEW_PASSWORD }, bearer(session.token))).status).toBe(200)
    await waitForMail(dave.email, { subject: /Your email address was changed/ })
  })

  test('a reset lifts the 100-failure lock-out and writes an audit row', async ({ admin }) => {
    test.skip(embedded, 'sets the lock-out from a second connection: PostgreSQL only')
    const user = await verifiedUser()
    await withToken(user).then(async (session) => postJson('/api/keys', { name: 'k', scopes: ['read'] }, bearer(session.token)))
    await lockOut(user.username)
    expect((await requestToken(user.username, PASSWORD)).status).toBe(400)
    expect((await confirmReset(await resetLink(user))).status).toBe(204)
    expect((await requestToken(user.username, NEW_PASSWORD)).status).toBe(200)
    const audit = await (await api(`/api/audit?user_id=${user.id}&kind=password_reset`, { headers: bearer(admin.token) })).json()
    expect(audit.items).toEqual([expect.objectContaining({ kind: 'password_reset', target_id: user.id, detail: { via: 'mail', sessions_ended: 1, keys_ended: 1 } })])
  })

  test('an expired link is refused', async () => {
    test.skip(embedded, 'ages the link from a second connection: PostgreSQL only')
    const user = await verifiedUser()
    const token = await resetLink(user)
    await withSql((sql) => sql`update recovery_tokens set expires_at = now() - interval '1 second' where user_id = ${user.id}`)
    expect((await confirmReset(token)).status).toBe(400)
    expect((await requestToken(user.username, PASSWORD)).status).toBe(200)
  })

  test('the database keeps only a hash of each link, and the mail nothing else', async () => {
    test.skip(embedded, 'reads the table from a second connection: PostgreSQL only')
    const user = await verifiedUser()
    const token = await resetLink(user)
    const rows = await withSql((sql) => sql`select * from recovery_tokens where user_id = ${user.id}`)
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain(token)
    const lifetime = (rows[0]!.expires_at.getTime() - rows[0]!.created_at.getTime()) / 60_000
    expect(lifetime).toBeCloseTo(30, 1)
  })
})

test.describe('email verification', () => {
  test('sign-up with an email mails a link; opening it verifies the address, once', async () => {
    const email = uniqueEmail()
    const user = await signUp({ email })
    const session = await withToken(user)
    expect(await (await me(session.token)).json()).toMatchObject({ email, email_verified: false })
    const token = tokenIn(await waitForMail(email, { subject: VERIFY }), '/verify-email')
    expect((await confirmEmail(token)).status).toBe(204)
    expect(await (await me(session.token)).json()).toMatchObject({ email, email_verified: true })
    const again = await confirmEmail(token)
    expect(again.status).toBe(400)
    expect(await again.json()).toEqual({ detail: 'Invalid or expired verification link' })
  })

  test('changing the email clears the verification and voids the old address\'s link', async () => {
    const user = await verifiedUser()
    const session = await withToken(user)
    const first = uniqueEmail('first')
    const resetBefore = await resetLink(user)
    expect((await patchJson('/api/users/me', { email: first, current_password: PASSWORD }, bearer(session.token))).status).toBe(200)
    // The old, verified address is told; a reset link mailed there is void.
    const notice = await waitForMail(user.email, { subject: /Your email address was changed/ })
    expect(notice.text).toContain(`changed from ${user.email} to another address`)
    expect(notice.text).not.toContain(first)
    expect((await confirmReset(resetBefore)).status).toBe(400)
    const firstLink = tokenIn(await waitForMail(first, { subject: VERIFY }), '/verify-email')
    const second = uniqueEmail('second')
    const changed = await patchJson('/api/users/me', { email: second, current_password: PASSWORD }, bearer(session.token))
    expect(await changed.json()).toMatchObject({ email: second, email_verified: false })
    const secondLink = tokenIn(await waitForMail(second, { subject: VERIFY }), '/verify-email')
    expect((await confirmEmail(firstLink)).status).toBe(400)
    expect((await confirmEmail(secondLink)).status).toBe(204)
    expect(await (await me(session.token)).json()).toMatchObject({ email: second, email_verified: true })
    // A profile change that leaves the email as it is keeps it verified.
    expect(await (await patchJson('/api/users/me', { email: second, full_name: 'Same Address' }, bearer(session.token))).json()).toMatchObject({ email_verified: true })
    // email_verified is not the caller's to set.
    expect((await patchJson('/api/users/me', { email_verified: true }, bearer(session.token))).status).toBe(422)
  })

  test('a verification link does not reset a password, nor a reset link verify', async () => {
    const email = uniqueEmail()
    await signUp({ email })
    const verification = tokenIn(await waitForMail(email, { subject: VERIFY }), '/verify-email')
    expect((await confirmReset(verification)).status).toBe(400)
    const user = await verifiedUser()
    expect((await confirmEmail(await resetLink(user))).status).toBe(400)
    expect((await confirmEmail(verification)).status).toBe(204)
  })

  test('the link can be mailed again (voiding the last one), and not for a verified or missing address', async () => {
    const email = uniqueEmail()
    const session = await withToken(await signUp({ email }))
    const resend = () => postJson('/api/users/me/email-verification', {}, bearer(session.token))
    const first = tokenIn(await waitForMail(email, { subject: VERIFY }), '/verify-email')
    const answer = await resend()
    expect(answer.status).toBe(202)
    expect(await answer.json()).toEqual({ detail: `A verification link is on its way to ${email}.` })
    const second = tokenIn(await waitForMail(email, { subject: VERIFY, count: 2 }), '/verify-email')
    expect((await confirmEmail(first)).status).toBe(400)
    expect((await confirmEmail(second)).status).toBe(204)
    expect(await (await resend()).json()).toEqual({ detail: 'Your email address is already verified.' })
    const noEmail = await withToken(await signUp())
    const refused = await postJson('/api/users/me/email-verification', {}, bearer(noEmail.token))
    expect(refused.status).toBe(409)
    expect(await refused.json()).toEqual({ detail: 'Add an email address first.' })
  })

  test('verification mails are counted per account', async () => {
    const email = uniqueEmail()
    const session = await withToken(await signUp({ email }))
    const resend = () => postJson('/api/users/me/email-verification', {}, bearer(session.token))
    // The sign-up's own mail is not counted: three more, then 429.
    for (let i = 0; i < 3; i++) expect((await resend()).status).toBe(202)
    expect((await resend()).status).toBe(429)
    expect((await patchJson('/api/users/me', { email: uniqueEmail(), current_password: PASSWORD }, bearer(session.token))).status).toBe(429)
  })
})

test.describe('admin reset links', () => {
  test('an admin makes a one-time link, shown once and audited; it works like a mailed one', async ({ admin }) => {
    const user = await signUp()
    const session = await withToken(user)
    const made = await postJson(`/api/users/${user.id}/reset-link`, {}, bearer(admin.token))
    expect(made.status).toBe(201)
    const link = await made.json()
    expect(link.url).toMatch(new RegExp(`^${BASE_URL}/reset-password\\?token=[A-Za-z0-9_-]{43}$`))
    expect((Date.parse(link.expires_at) - Date.now()) / 3_600_000).toBeCloseTo(24, 1)
    const token = new URL(link.url).searchParams.get('token')!

    const audit = await api(`/api/audit?user_id=${user.id}&kind=reset_link_created`, { headers: bearer(admin.token) })
    const auditText = await audit.text()
    expect(auditText).not.toContain(token)
    expect(JSON.parse(auditText).items).toEqual([expect.objectContaining({ actor_id: admin.id, target_id: user.id })])

    expect((await confirmReset(token)).status).toBe(204)
    await expectInvalidToken(await me(session.token))
    expect(await logIn(user.username, NEW_PASSWORD)).toBeTruthy()
  })

  test('a mailed link does not void an admin\'s, and using either voids both', async ({ admin }) => {
    const user = await verifiedUser()
    const made = await (await postJson(`/api/users/${user.id}/reset-link`, {}, bearer(admin.token))).json()
    const mailed = await resetLink(user)
    expect((await confirmReset(new URL(made.url).searchParams.get('token')!)).status).toBe(204)
    expect((await confirmReset(mailed, 'one more passphrase')).status).toBe(400)
    const audit = await (await api(`/api/audit?user_id=${user.id}&kind=password_reset`, { headers: bearer(admin.token) })).json()
    expect(audit.items[0].detail).toMatchObject({ via: 'admin_link' })
  })

  test('only admins make links, for users that exist and are enabled, and never for themselves', async ({ admin, session }) => {
    const own = await postJson(`/api/users/${admin.id}/reset-link`, {}, bearer(admin.token))
    expect(own.status).toBe(409)
    expect(await own.json()).toEqual({ detail: 'Change your own password on your account page instead.' })
    expect((await postJson(`/api/users/${session.id}/reset-link`, {}, bearer(session.token))).status).toBe(403)
    expect((await postJson('/api/users/2147483647/reset-link', {}, bearer(admin.token))).status).toBe(404)
    expect((await postJson('/api/users/not-a-number/reset-link', {}, bearer(admin.token))).status).toBe(404)
    expect((await patchJson(`/api/users/${session.id}`, { disabled: true }, bearer(admin.token))).status).toBe(200)
    const refused = await postJson(`/api/users/${session.id}/reset-link`, {}, bearer(admin.token))
    expect(refused.status).toBe(409)
    expect(await refused.json()).toEqual({ detail: 'This user is disabled: enable them first.' })
  })
})

test.describe('mail configuration', () => {
  test('production with SMTP_URL refuses to start without APP_URL, and without MAIL_FROM', async () => {
    test.skip(!embedded, 'refused before any database is opened: once, in the embedded run')
    const refusals: [number, Record<string, string>, string][] = [
      [3201, { APP_URL: '' }, 'passgate cannot start: APP_URL is not set. Mailed links must name the public address of the app'],
      [3202, { MAIL_FROM: '' }, 'passgate cannot start: Invalid configuration: MAIL_FROM: must be set with SMTP_URL'],
      // Unencoded `#` and a stray `%`: nodemailer would log the first, and fail every send on the second.
      [3201, { SMTP_URL: 'smtp://user:test-only mail password#x@127.0.0.1:25' }, 'passgate cannot start: Invalid configuration: SMTP_URL: must be smtp://user:password@host:port'],
      [3202, { SMTP_URL: 'smtp://user:test-only%zz mail password@127.0.0.1:25' }, 'passgate cannot start: Invalid configuration: SMTP_URL: must be smtp://user:password@host:port'],
    ]
    for (const [port, env, message] of refusals) {
      const server = startServer(port, { ...env, DATA_DIR: freshDataDir('server') })
      try {
        expect(await server.exited).toBe(1)
        expect(server.output()).toContain(message)
        expect(server.output()).not.toContain('test-only mail password')
      } finally {
        await server.stop()
      }
    }
  })

  test('production without SMTP_URL says so: reset requests are 503 for everyone, and admins still make links', async ({ admin }) => {
    test.setTimeout(90_000)
    const server = startServer(3203, { SMTP_URL: '', MAIL_FROM: '', APP_URL: '', DATA_DIR: freshDataDir('server') })
    try {
      await waitForHealth(server)
      const answer = await postJson('/api/password-reset', { username: 'anyone_at_all' }, {}, server.url)
      expect(answer.status).toBe(503)
      expect(await answer.json()).toEqual({ detail: 'This server sends no mail: ask an administrator for a password reset link.' })
      expect((await fetch(`${server.url}/dev/outbox`)).status).toBe(404)
      // With no APP_URL an admin's link is a path, never built from the request's Host header.
      // (On the embedded store this server has a database of its own, without the test's admin.)
      if (embedded) return
      const user = await signUp()
      const made = await postJson(`/api/users/${user.id}/reset-link`, {}, bearer(admin.token), server.url)
      expect(made.status).toBe(201)
      expect((await made.json()).url).toMatch(/^\/reset-password\?token=[A-Za-z0-9_-]{43}$/)
    } finally {
      await server.stop()
    }
  })

  test('a mail server that cannot be reached changes no answer, and the log names no link', async () => {
    test.setTimeout(90_000)
    const server = startServer(3204, { SMTP_URL: 'smtp://passgate:wrong@127.0.0.1:9', DATA_DIR: freshDataDir('server'), LOG_LEVEL: 'error' })
    try {
      await waitForHealth(server)
      const email = uniqueEmail()
      const signedUp = await postJson('/api/users', { username: `unmailed_${Date.now()}`, password: PASSWORD, email }, {}, server.url)
      expect(signedUp.status).toBe(200)
      expect((await postJson('/api/password-reset', { email }, {}, server.url)).status).toBe(202)
      await expect.poll(() => server.output(), { timeout: 20_000 }).toContain('"Confirm your email address" to user')
      expect(server.output()).toMatch(/"Confirm your email address" to user \d+ was not sent: /)
      expect(server.output()).not.toContain('token=')
      expect(server.output()).not.toContain('wrong@')
    } finally {
      await server.stop()
    }
  })
})
