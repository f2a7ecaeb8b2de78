import { createHash, randomBytes } from 'node:crypto'
import { and, eq, gt, inArray, lt, sql } from 'drizzle-orm'
import { recordAttempt, recordEvent } from './audit'
import { afterResponse } from './background'
import type { Client } from './client'
import { type Tx, getDb } from './db'
import { getEnv } from './env'
import { describeError } from './log'
import { type Message, appLink, canSendMail, sendMail } from './mail'
import { type Bucket, takeAttempt } from './rate-limit'
import { recoveryTokens } from './schema'
import { type ProfileChanges, type PublicUser, type ResetRecipient, findResetRecipients, getUser, markEmailVerified, updateProfile } from './users'

// Owns the `recovery_tokens` table: one-time links for a password reset (mailed, or made by an
// admin) and for verifying an email address. A token is 32 random bytes; only its SHA-256 is
// stored (it is looked up, never compared), using it deletes it, and issuing one deletes the
// user's older ones of the same purpose. Mail is sent after the response
// (docs/decisions/014-recovery.md).

type Purpose = 'password_reset' | 'email_verification'

/** A mailed reset link lasts 30 minutes; one an admin hands over by other means, a day. */
const RESET_LINK_SECONDS = 30 * 60
export const ADMIN_RESET_LINK_SECONDS = 24 * 60 * 60
const VERIFICATION_LINK_SECONDS = 24 * 60 * 60

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

export type IssuedToken = { token: string; expiresAt: Date }

/** A new token of `purpose` for the user, voiding their older ones; in the caller's transaction. */
export async function issueToken(
  tx: Tx,
  userId: number,
  purpose: Purpose,
  seconds: number,
  bound: { email?: string; credentialsEpoch?: number },
): Promise<IssuedToken> {
  const token = randomBytes(32).toString('base64url')
  await tx.delete(recoveryTokens).where(and(eq(recoveryTokens.userId, userId), eq(recoveryTokens.purpose, purpose)))
  const expired = tx.select({ hash: recoveryTokens.tokenHash }).from(recoveryTokens).where(lt(recoveryTokens.expiresAt, sql`now()`)).limit(100)
  await tx.delete(recoveryTokens).where(and(inArray(recoveryTokens.tokenHash, expired), lt(recoveryTokens.expiresAt, sql`now()`)))
  const [row] = await tx
    .insert(recoveryTokens)
    .values({
      tokenHash: hashToken(token),
      userId,
      purpose,
      email: bound.email ?? null,
      credentialsEpoch: bound.credentialsEpoch ?? null,
      expiresAt: sql`now() + make_interval(secs => ${seconds})`,
    })
    .returning({ expiresAt: recoveryTokens.expiresAt })
  return { token, expiresAt: row!.expiresAt }
}

export type TokenHolder = { userId: number; email: string | null; credentialsEpoch: number | null }

/** Whom a live token of `purpose` belongs to, without using it; null for anything else. */
export async function peekToken(token: string, purpose: Purpose): Promise<TokenHolder | null> {
  if (!TOKEN_SHAPE.test(token)) return null
  const db = await getDb()
  const [row] = await db.select(holderColumns).from(recoveryTokens).where(liveToken(token, purpose))
  return row ?? null
}

/**
 * Uses a live token of `purpose` (deletes it, and the user's other ones of that purpose) in the
 * caller's transaction: of two requests with one token, one gets the holder and the other null.
 */
export async function consumeToken(tx: Tx, token: string, purpose: Purpose): Promise<TokenHolder | null> {
  if (!TOKEN_SHAPE.test(token)) return null
  const [row] = await tx.delete(recoveryTokens).where(liveToken(token, purpose)).returning(holderColumns)
  if (row === undefined) return null
  await tx.delete(recoveryTokens).where(and(eq(recoveryTokens.userId, row.userId), eq(recoveryTokens.purpose, purpose)))
  return row
}

const holderColumns = { userId: recoveryTokens.userId, email: recoveryTokens.email, credentialsEpoch: recoveryTokens.credentialsEpoch }

function liveToken(token: string, purpose: Purpose) {
  return and(eq(recoveryTokens.tokenHash, hashToken(token)), eq(recoveryTokens.purpose, purpose), gt(recoveryTokens.expiresAt, sql`now()`))
}

/** Voids the user's links of `purpose` (an email change voids the old address's verification). */
export async function voidTokens(tx: Tx, userId: number, purpose: Purpose): Promise<void> {
  await tx.delete(recoveryTokens).where(and(eq(recoveryTokens.userId, userId), eq(recoveryTokens.purpose, purpose)))
}

type Throttled = { ok: false; reason: 'throttled'; retryAfter: number }
export type MailRequestResult = { ok: true } | { ok: false; reason: 'no_mail' } | Throttled

/**
 * `POST /api/password-reset`. The answer is the same for every account, known or not, and so is
 * its time: on the request path only the throttles are counted (per client address, and per name
 * or address asked about, which need not exist); finding the accounts, issuing their links and
 * sending happen after the response. Refused without any mail transport, rather than claiming a
 * message is on its way.
 */
export async function requestPasswordReset(by: { username: string } | { email: string }, client: Client): Promise<MailRequestResult> {
  if (!canSendMail()) return { ok: false, reason: 'no_mail' }
  const env = getEnv()
  const asked = 'email' in by ? `reset:email:${by.email.toLowerCase()}` : `reset:name:${by.username.toLowerCase()}`
  const buckets: Bucket[] = [{ key: asked, limit: env.THROTTLE_MAIL_PER_ACCOUNT }]
  if (client.ip !== null) buckets.push({ key: `reset:ip:${client.ip}`, limit: env.THROTTLE_RESET_PER_IP })
  const gate = await takeAttempt(buckets)
  if (!gate.ok) {
    await recordAttempt({ kind: 'throttled', client, detail: { action: 'password_reset' } })
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  afterResponse('password reset mail', () => mailResetLinks(by, client))
  return { ok: true }
}

async function mailResetLinks(by: { username: string } | { email: string }, client: Client): Promise<void> {
  for (const recipient of await findResetRecipients(by)) {
    // Per account too: asking by name and by address in turn must not double the mail it gets.
    const gate = await takeAttempt([{ key: `reset:account:${recipient.id}`, limit: getEnv().THROTTLE_MAIL_PER_ACCOUNT }])
    if (!gate.ok) {
      await recordAttempt({ kind: 'throttled', targetId: recipient.id, client, detail: { action: 'password_reset_mail' } })
      continue
    }
    const db = await getDb()
    const issued = await db.transaction(async (tx) => {
      await recordEvent(tx, { kind: 'password_reset_requested', targetId: recipient.id, client, detail: { by: 'email' in by ? 'email' : 'username' } })
      return issueToken(tx, recipient.id, 'password_reset', RESET_LINK_SECONDS, { credentialsEpoch: recipient.credentialsEpoch })
    })
    await deliver(recipient.id, resetMessage(recipient, appLink('/reset-password', issued.token)))
  }
}

/** Sends, or logs why it could not (never the message: it holds the link). */
async function deliver(userId: number, message: Message): Promise<void> {
  try {
    await sendMail(message)
  } catch (error) {
    console.error(`"${message.subject}" to user ${userId} was not sent: ${describeError(error)}`)
  }
}

function resetMessage(recipient: ResetRecipient, link: string): Message {
  return {
    to: recipient.email,
    subject: 'Reset your password',
    text: [
      `Hello ${recipient.username},`,
      '',
      'Someone asked to reset the password of your account. If it was you, open this link within 30 minutes and choose a new password:',
      '',
      link,
      '',
      'The link works once. Setting a new password signs you out everywhere and ends your personal access tokens.',
      '',
      'If it was not you, ignore this message: your password stays as it is.',
    ].join('\n'),
  }
}

/**
 * After a sign-up with an email or an email change: mails a verification link to the user's
 * current address, after the response (the address may have changed again by then: the link
 * names the address it went to, and verifies only while the user still has it).
 */
export function mailVerificationLater(userId: number, client: Client): void {
  afterResponse('verification mail', async () => {
    const user = await getUser(userId)
    if (user === null || user.email === null || user.email_verified) return
    const email = user.email
    const db = await getDb()
    const issued = await db.transaction(async (tx) => {
      await recordEvent(tx, { kind: 'email_verification_sent', actorId: userId, targetId: userId, client })
      return issueToken(tx, userId, 'email_verification', VERIFICATION_LINK_SECONDS, { email })
    })
    await deliver(userId, verificationMessage(user, email, appLink('/verify-email', issued.token)))
  })
}

function verificationMessage(user: PublicUser, email: string, link: string): Message {
  return {
    to: email,
    subject: 'Confirm your email address',
    text: [
      `Hello ${user.username},`,
      '',
      `Open this link within 24 hours to confirm that ${email} is the address of your account:`,
      '',
      link,
      '',
      'A confirmed address is where password reset links are sent. If you did not sign up or change your address, ignore this message.',
    ].join('\n'),
  }
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
  const db = await getDb()
  return db.transaction(async (tx) => {
    const holder = await consumeToken(tx, token, 'email_verification')
    if (holder === null || holder.email === null || !(await markEmailVerified(tx, holder.userId, holder.email))) return false
    await recordEvent(tx, { kind: 'email_verified', actorId: holder.userId, targetId: holder.userId, client })
    return true
  })
}

/**
 * `PATCH /api/users/me`. A new email address is no longer verified: its old links are void, and
 * one is mailed to the new address (such changes are counted: each one mails someone).
 */
export async function changeProfile(user: PublicUser, changes: ProfileChanges, client: Client): Promise<{ ok: true; user: PublicUser } | Throttled> {
  if (changes.email != null && changes.email !== user.email) {
    const gate = await takeVerificationAttempt(user.id)
    if (!gate.ok) return gate
  }
  const db = await getDb()
  const changed = await db.transaction(async (tx) => {
    const updated = await updateProfile(tx, user.id, changes)
    if (updated.emailChanged) {
      await voidTokens(tx, user.id, 'email_verification')
      await recordEvent(tx, { kind: 'email_changed', actorId: user.id, targetId: user.id, client, detail: { removed: updated.user.email === null } })
    }
    return updated
  })
  if (changed.emailChanged && changed.user.email !== null) mailVerificationLater(user.id, client)
  return { ok: true, user: changed.user }
}
