import type { Authenticated } from './auth'
import { recordEvent, recordRefusal } from '../accounts/audit'
import type { Client } from '../request/client'
import { setDeviceCookie } from '../request/cookies'
import { getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { endUserKeys } from './keys'
import { hashPassword } from '../credentials/password'
import { clearBuckets, guessesKey, lockoutKey, takeAttempt } from '../request/rate-limit'
import { RESET_PURPOSES, consumeToken, mailEmailChangedLater, mailVerificationLater, peekToken, takeVerificationAttempt, voidTokens } from './recovery'
import { endOtherSessions, endUserSessions, isSessionUsable } from './sessions'
import { signDeviceCookie } from '../credentials/tokens'
import { type Account, type ProfileChanges, type PublicUser, checkCredentials, getAccount, lockUser, replacePassword, resetPassword, updateProfile } from '../accounts/users'
import { isNotUsername } from '../credentials/validation'

// What a user changes about their own account (the password, the profile), and a password set
// from a reset link. Each change is one transaction across the owning modules, with its audit row.

type Throttled = { ok: false; reason: 'throttled'; retryAfter: number }

/** The throttle key for wrong current passwords of an account. */
const currentPasswordKey = (userId: number) => `password:user:${userId}`

/**
 * The caller's current password, for a change that needs it (a new password, a new email): wrong
 * ones are throttled like failed logins, per account.
 */
async function checkCurrentPassword(user: PublicUser, password: string, client: Client, action: string): Promise<{ ok: true; account: Account } | { ok: false; reason: 'wrong_password' } | Throttled> {
  const gate = await takeAttempt([{ key: currentPasswordKey(user.id), limit: getEnv().THROTTLE_LOGIN_PER_USER }])
  if (!gate.ok) {
    await recordRefusal({ actorId: user.id, targetId: user.id, client, detail: { action } }, gate.window)
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  const account = await getAccount(user.id)
  if (account === null || !(await checkCredentials(account, password)).ok) return { ok: false, reason: 'wrong_password' }
  return { ok: true, account }
}

export type ChangePasswordResult = { ok: true } | { ok: false; reason: 'wrong_password' } | Throttled

/**
 * A new password for the caller. In one transaction the user moves to a new credentials epoch and
 * every other session ends, so whoever knew the old password is out, including a login with it
 * still inside bcrypt (OWASP ASVS 5.0 V7.4.3). Every device cookie dies too, except the new one
 * this browser gets.
 */
export async function changeOwnPassword(auth: Authenticated, currentPassword: string, newPassword: string, client: Client): Promise<ChangePasswordResult> {
  const checked = await checkCurrentPassword(auth.user, currentPassword, client, 'password_change')
  if (!checked.ok) return checked
  const hashedPassword = await hashPassword(newPassword)
  const epoch = await (await getDb()).transaction(async (tx) => {
    const next = await replacePassword(tx, checked.account, hashedPassword)
    if (next === null) return null
    const ended = await endOtherSessions(tx, auth.user.id, auth.sessionId, 'password_change', next)
    await recordEvent(tx, { kind: 'password_changed', actorId: auth.user.id, targetId: auth.user.id, client, detail: { sessions_ended: ended } })
    return next
  })
  // The password changed since it was checked: the current password given is no longer current.
  if (epoch === null) return { ok: false, reason: 'wrong_password' }
  await clearBuckets([currentPasswordKey(auth.user.id), lockoutKey(auth.user.username)])
  await setDeviceCookie(client, signDeviceCookie(auth.user.id, epoch))
  return { ok: true }
}

export type ChangeProfileResult = { ok: true; user: PublicUser } | { ok: false; reason: 'password_required' | 'wrong_password' | 'session_ended' } | Throttled

/**
 * `PATCH /api/users/me`. A new email (or none) needs the current password: the address is where
 * reset links go, so a stolen session must not be able to redirect them. The new address is
 * unverified and gets a link (such changes are counted: each mails someone); every link of the
 * user is void; the old address, if verified, is told. The change is made only if the caller's
 * session is still usable under the user's locked row: a reset or a new password that committed
 * while the password was being checked wins.
 */
export async function changeProfile(auth: Authenticated, changes: ProfileChanges & { currentPassword?: string }, client: Client): Promise<ChangeProfileResult> {
  const { currentPassword, ...profile } = changes
  const passwordChecked = profile.email !== undefined && profile.email !== auth.user.email
  if (passwordChecked) {
    if (currentPassword === undefined) return { ok: false, reason: 'password_required' }
    const checked = await checkCurrentPassword(auth.user, currentPassword, client, 'email_change')
    if (!checked.ok) return checked
    if (profile.email !== null) {
      const gate = await takeVerificationAttempt(auth.user.id)
      if (!gate.ok) return gate
    }
  }
  const db = await getDb()
  const outcome = await db.transaction(async (tx) => {
    const before = await lockUser(tx, auth.user.id)
    if (before === null || !(await isSessionUsable(tx, auth.sessionId, auth.user.id))) return { ok: false, reason: 'session_ended' } as const
    // The email may have changed since the request began: decide on the locked row.
    const emailChanged = profile.email !== undefined && profile.email !== before.email
    if (emailChanged && !passwordChecked) return { ok: false, reason: 'password_required' } as const
    const user = await updateProfile(tx, auth.user.id, profile, emailChanged)
    if (emailChanged) {
      await voidTokens(tx, auth.user.id, ['email_verification', ...RESET_PURPOSES])
      await recordEvent(tx, { kind: 'email_changed', actorId: auth.user.id, targetId: auth.user.id, client, detail: { from: before.email, to: user.email } })
    }
    return { ok: true, user, before } as const
  })
  if (!outcome.ok) return outcome
  const { user, before } = outcome
  if (user.email !== before.email) {
    if (user.email !== null) mailVerificationLater(user.id, client)
    if (before.email !== null && before.email_verified) mailEmailChangedLater(user, before.email, client)
  }
  return { ok: true, user }
}

export type ResetPasswordResult = { ok: true } | { ok: false; reason: 'invalid' | 'password_is_username' }

/**
 * `POST /api/password-reset/confirm`: a new password from a reset link. In one transaction the
 * link is used up (one of two requests racing with it wins), the user moves to a new credentials
 * epoch (so a login with the old password inside bcrypt fails, and every device cookie dies),
 * every session and personal access token ends, and the lock-out and guess counters of the name
 * are cleared: whoever held the account is out, and its owner can sign in at once. The link is
 * void when the credentials changed since it was issued or the user is disabled.
 */
export async function resetPasswordWithLink(token: string, newPassword: string, client: Client): Promise<ResetPasswordResult> {
  const peeked = await peekToken(token, RESET_PURPOSES)
  const account = peeked === null ? null : await getAccount(peeked.userId)
  // A mailed link is also bound to the verified address it went to: an email change voids it.
  const addressMoved = peeked?.email != null && (account?.user.email !== peeked.email || !account.user.email_verified)
  if (peeked === null || account === null || account.user.disabled || account.credentialsEpoch !== peeked.credentialsEpoch || addressMoved) {
    return { ok: false, reason: 'invalid' }
  }
  if (!isNotUsername(newPassword, account.user.username)) return { ok: false, reason: 'password_is_username' }
  const hashedPassword = await hashPassword(newPassword)
  const done = await (await getDb()).transaction(async (tx) => {
    const used = await consumeToken(tx, token, peeked, RESET_PURPOSES)
    const user = used === null ? null : await resetPassword(tx, used.userId, used.credentialsEpoch ?? -1, hashedPassword)
    if (user === null) return false
    const sessionsEnded = await endUserSessions(tx, user.id, 'password_reset')
    const keysEnded = await endUserKeys(tx, user.id)
    await clearBuckets([lockoutKey(user.username), guessesKey(user.username), currentPasswordKey(user.id)], tx)
    const via = used!.purpose === 'admin_reset' ? 'admin_link' : 'mail'
    await recordEvent(tx, { kind: 'password_reset', actorId: user.id, targetId: user.id, client, detail: { via, sessions_ended: sessionsEnded, keys_ended: keysEnded } })
    return true
  })
  return done ? { ok: true } : { ok: false, reason: 'invalid' }
}
