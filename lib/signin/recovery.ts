import { createHash, randomBytes, randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { and, eq, gt, inArray, lt, sql } from 'drizzle-orm'
import { type AuditKind, recordAttempt, recordEvent, recordRefusal } from '../accounts/audit'
import { afterResponse } from '../platform/background'
import type { Client } from '../request/client'
import { type Tx, getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { describeError } from '../platform/log'
import { type Message, appLink, canSendMail, sendMail } from '../platform/mail'
import { type Bucket, takeAttempt, typedKey } from '../request/rate-limit'
import { recoveryTokens } from '../platform/schema'
import { type PublicUser, findResetRecipients, getUser, lockUser, markEmailVerified } from '../accounts/users'

// Owns the `recovery_tokens` table: one-time links to reset a password (mailed, or made by an
// admin) and to verify an email address, and the mail that carries them. A token is 32 random
// bytes; only its SHA-256 is stored (it is looked up, never compared); using it deletes it, and
// issuing one deletes the user's older ones of the same purpose. Mail is sent after the response
// (docs/decisions/014-recovery.md).

type Purpose = 'password_reset' | 'admin_reset' | 'email_verification'

/** Either kind of reset link sets a password. An admin's is kept apart so that a mailed one cannot void it. */
export const RESET_PURPOSES: Purpose[] = ['password_reset', 'admin_reset']

/** A mailed reset link lasts 30 minutes; one an admin hands over by other means, a day. */
const LIFETIME_SECONDS: Record<Purpose, number> = { password_reset: 30 * 60, admin_reset: 24 * 60 * 60, email_verification: 24 * 60 * 60 }

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

export type IssuedToken = { token: string; expiresAt: Date }

/**
 * A new token of `purpose` for the user, voiding their older ones, in the caller's transaction.
 * The user's row is locked first, as everything that uses or voids tokens does: two issues at once
 * leave one live token, and no lock is taken in the opposite order (a deadlock).
 */
export async function issueToken(tx: Tx, userId: number, purpose: Purpose, bound: { email?: string; credentialsEpoch?: number }): Promise<IssuedToken> {
  const token = randomBytes(32).toString('base64url')
  await lockUser(tx, userId)
  await voidTokens(tx, userId, [purpose])
  const expired = tx
    .select({ hash: recoveryTokens.tokenHash })
    .from(recoveryTokens)
    .where(lt(recoveryTokens.expiresAt, sql`now()`))
    .limit(100)
    .for('update', { skipLocked: true })
  await tx.delete(recoveryTokens).where(and(inArray(recoveryTokens.tokenHash, expired), lt(recoveryTokens.expiresAt, sql`now()`)))
  const [row] = await tx
    .insert(recoveryTokens)
    .values({
      tokenHash: hashToken(token),
      userId,
      purpose,
      email: bound.email ?? null,
      credentialsEpoch: bound.credentialsEpoch ?? null,
      expiresAt: sql`now() + make_interval(secs => ${LIFETIME_SECONDS[purpose]})`,
    })
    .returning({ expiresAt: recoveryTokens.expiresAt })
  return { token, expiresAt: row!.expiresAt }
}

export type TokenHolder = { userId: number; purpose: Purpose; email: string | null; credentialsEpoch: number | null }

const holderColumns = {
  userId: recoveryTokens.userId,
  purpose: recoveryTokens.purpose,
  email: recoveryTokens.email,
  credentialsEpoch: recoveryTokens.credentialsEpoch,
}

function liveToken(token: string, purposes: Purpose[]) {
  return and(eq(recoveryTokens.tokenHash, hashToken(token)), inArray(recoveryTokens.purpose, purposes), gt(recoveryTokens.expiresAt, sql`now()`))
}

/** Whom a live token of one of `purposes` belongs to, without using it; null for anything else. */
export async function peekToken(token: string, purposes: Purpose[]): Promise<TokenHolder | null> {
  if (!TOKEN_SHAPE.test(token)) return null
  const db = await getDb()
  const [row] = await db.select(holderColumns).from(recoveryTokens).where(liveToken(token, purposes))
  return row ?? null
}

/**
 * Uses a token that peekToken found, in the caller's transaction: locks its user, then deletes it
 * with the user's other tokens of `purposes`. Of two requests with one token, one gets the holder
 * and the other null.
 */
export async function consumeToken(tx: Tx, token: string, peeked: TokenHolder, purposes: Purpose[]): Promise<TokenHolder | null> {
  await lockUser(tx, peeked.userId)
  const [row] = await tx.delete(recoveryTokens).where(and(liveToken(token, purposes), eq(recoveryTokens.userId, peeked.userId))).returning(holderColumns)
  if (row !== undefined) await voidTokens(tx, row.userId, purposes)
  return row ?? null
}

/** Voids the user's links of these purposes (an email change voids them all), in the caller's transaction, which holds the user's row. */
export async function voidTokens(tx: Tx, userId: number, purposes: Purpose[]): Promise<void> {
  await tx.delete(recoveryTokens).where(and(eq(recoveryTokens.userId, userId), inArray(recoveryTokens.purpose, purposes)))
}

type Throttled = { ok: false; reason: 'throttled'; retryAfter: number }
export type MailRequestResult = { ok: true } | { ok: false; reason: 'no_mail' } | Throttled

type ResetAsked = { username: string } | { email: string }

/**
 * `POST /api/password-reset`. The answer is the same for every account, known or not, and so is
 * its time: on the request path only the throttles are counted (per client address, and per name
 * or address asked about, which need not exist); finding the accounts, issuing their links and
 * sending happen after the response, and after a random 1-3 s, so that the work a real account
 * causes does not slow the asker's next request. Refused without any mail transport, rather than
 * claiming a message is on its way.
 */
export async function requestPasswordReset(by: ResetAsked, client: Client): Promise<MailRequestResult> {
  if (!canSendMail()) return { ok: false, reason: 'no_mail' }
  const env = getEnv()
  const asked = 'email' in by ? typedKey('reset:email', by.email) : typedKey('reset:name', by.username)
  const buckets: Bucket[] = [{ key: asked, limit: env.THROTTLE_MAIL_PER_ACCOUNT }]
  if (client.ip !== null) buckets.push({ key: `reset:ip:${client.ip}`, limit: env.THROTTLE_RESET_PER_IP })
  const gate = await takeAttempt(buckets)
  if (!gate.ok) {
    await recordRefusal({ client, detail: { action: 'password_reset' } }, gate.window)
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  afterResponse('password reset mail', async () => {
    await sleep(randomInt(1000, 3000))
    await mailResetLinks(by, client)
  })
  return { ok: true }
}

async function mailResetLinks(by: ResetAsked, client: Client): Promise<void> {
  for (const recipient of await findResetRecipients(by)) {
    // Per account too: asking by name and by address in turn must not double the mail it gets.
    const gate = await takeAttempt([{ key: `reset:account:${recipient.id}`, limit: getEnv().THROTTLE_MAIL_PER_ACCOUNT }])
    if (!gate.ok) {
      await recordRefusal({ targetId: recipient.id, client, detail: { action: 'password_reset_mail' } }, gate.window)
      continue
    }
    if (!(await mayMail(recipient.id, recipient.email, client, 'password_reset_requested'))) continue
    // Bound to the address and the epoch read above: if either changed since, the link is void.
    const issued = await (await getDb()).transaction((tx) =>
      issueToken(tx, recipient.id, 'password_reset', { email: recipient.email, credentialsEpoch: recipient.credentialsEpoch }),
    )
    const message = {
      to: recipient.email,
      subject: 'Reset your password',
      text: [
        `Hello ${recipient.username},`,
        '',
        'Someone asked to reset the password of your account. If it was you, open this link within 30 minutes and choose a new password:',
        '',
        appLink('/reset-password', issued.token),
        '',
        'The link works once. Setting a new password signs you out everywhere and ends your personal access tokens.',
        '',
        'If it was not you, ignore this message: your password stays as it is.',
      ].join('\n'),
    }
    await send(recipient.id, message, client, 'password_reset_requested', { by: 'email' in by ? 'email' : 'username' })
  }
}

/**
 * Whose mail a stranger can cause decides which budget a message draws on. Anyone can type any
 * address at sign-up, so verification mail (to an address no one has shown to be theirs) gets at
 * most THROTTLE_MAIL_PER_ADDRESS a window per address, `+tags` counted as one: sign-ups naming a
 * stranger cannot fill that mailbox. Reset links go only to verified owners and draw on a budget of
 * their own, so that those sign-ups cannot starve them (each account's reset mail is also counted
 * per account). Asked before a link is issued: a refused message must not void the link the user
 * already holds.
 */
async function mayMail(userId: number, to: string, client: Client, kind: 'email_verification_sent' | 'password_reset_requested'): Promise<boolean> {
  const [local, domain] = to.toLowerCase().split(/@(?=[^@]*$)/)
  const budget = kind === 'email_verification_sent' ? 'unverified' : 'owner'
  const gate = await takeAttempt([{ key: `mail:${budget}:${local!.replace(/\+.*$/, '')}@${domain}`, limit: getEnv().THROTTLE_MAIL_PER_ADDRESS }])
  if (!gate.ok) await recordRefusal({ targetId: userId, client, detail: { action: 'mail', mail: kind } }, gate.window)
  return gate.ok
}

/** Sends a message about a user and records `kind` once the mail server took it; or logs why not (never the message: it holds the link). */
async function send(userId: number, message: Message, client: Client, kind: AuditKind, detail: Record<string, string> = {}): Promise<void> {
  try {
    await sendMail(message)
  } catch (error) {
    console.error(`"${message.subject}" to user ${userId} was not sent: ${describeError(error)}`)
    return
  }
  await recordAttempt({ kind, actorId: kind === 'password_reset_requested' ? null : userId, targetId: userId, client, detail })
}

/**
 * After a sign-up with an email or an email change: mails a verification link to the user's
 * current address, after the response (the address may have changed again by then: the link
 * names the address it went to, and verifies only while the user still has it). The address is
 * not yet known to be the user's, so the message names no username: someone may have typed a
 * stranger's address, and a username is theirs to choose.
 */
export function mailVerificationLater(userId: number, client: Client): void {
  if (!canSendMail()) return
  afterResponse('verification mail', async () => {
    const user = await getUser(userId)
    if (user === null || user.email === null || user.email_verified) return
    const email = user.email
    if (!(await mayMail(userId, email, client, 'email_verification_sent'))) return
    const issued = await (await getDb()).transaction((tx) => issueToken(tx, userId, 'email_verification', { email }))
    const message = {
      to: email,
      subject: 'Confirm your email address',
      text: [
        'Hello,',
        '',
        `Open this link within 24 hours to confirm that ${email} is the address of your account:`,
        '',
        appLink('/verify-email', issued.token),
        '',
        'A confirmed address is where password reset links are sent. If you did not sign up or change your address, ignore this message.',
      ].join('\n'),
    }
    await send(userId, message, client, 'email_verification_sent')
  })
}

/** After an email change: tells the old, verified address, where the owner would notice a change they did not make. */
export function mailEmailChangedLater(user: PublicUser, oldEmail: string, client: Client): void {
  if (!canSendMail()) return
  const message = {
    to: oldEmail,
    subject: 'Your email address was changed',
    text: [
      `Hello ${user.username},`,
      '',
      // Not the new address: the owner may be leaving this mailbox because someone else reads it.
      user.email === null
        ? `The email address ${oldEmail} was removed from your account.`
        : `The email address of your account was changed from ${oldEmail} to another address.`,
      '',
      'If you did not do this, change your password now and ask an administrator for help: password reset links no longer come to this address.',
    ].join('\n'),
  }
  // No per-address budget: only the account's password can cause this notice (every email change
  // needs it), and nothing a stranger does may silence it.
  afterResponse('email change notice', () => send(user.id, message, client, 'email_change_notice_sent'))
}

/**
 * A security notice (a second factor turned off, a recovery code used) to the user's address if it
 * is verified, after the response: where the owner would notice what they did not do.
 */
export function mailNoticeLater(user: PublicUser, subject: string, lines: string[], client: Client): void {
  if (!canSendMail() || user.email === null || !user.email_verified) return
  const message = { to: user.email, subject, text: [`Hello ${user.username},`, '', ...lines].join('\n') }
  afterResponse('security notice', () => send(user.id, message, client, 'security_notice_sent', { subject }))
}

/** The verification mails an account may get per window: counted before each is promised. */
export async function takeVerificationAttempt(userId: number): Promise<{ ok: true } | Throttled> {
  const gate = await takeAttempt([{ key: `verify:user:${userId}`, limit: getEnv().THROTTLE_MAIL_PER_ACCOUNT }])
  return gate.ok ? gate : { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
}

/** `POST /api/users/me/email-verification`: a new link to the caller's unverified address. */
export async function resendVerification(user: PublicUser, client: Client): Promise<MailRequestResult | { ok: false; reason: 'no_email' | 'verified' }> {
  if (user.email === null) return { ok: false, reason: 'no_email' }
  if (user.email_verified) return { ok: false, reason: 'verified' }
  if (!canSendMail()) return { ok: false, reason: 'no_mail' }
  const gate = await takeVerificationAttempt(user.id)
  if (!gate.ok) return gate
  mailVerificationLater(user.id, client)
  return { ok: true }
}

/** `POST /api/email-verification/confirm`: false for a link that is unknown, used, expired or for an old address. */
export async function confirmEmail(token: string, client: Client): Promise<boolean> {
  const peeked = await peekToken(token, ['email_verification'])
  if (peeked === null) return false
  const db = await getDb()
  return db.transaction(async (tx) => {
    const holder = await consumeToken(tx, token, peeked, ['email_verification'])
    if (holder === null || holder.email === null || !(await markEmailVerified(tx, holder.userId, holder.email))) return false
    await recordEvent(tx, { kind: 'email_verified', actorId: holder.userId, targetId: holder.userId, client })
    return true
  })
}
