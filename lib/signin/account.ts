import { type Authenticated, isFresh } from './auth'
import { recordAttempt, recordEvent, recordRefusal } from '../accounts/audit'
import type { Client } from '../request/client'
import { setDeviceCookie } from '../request/cookies'
import { type Tx, getDb } from '../platform/db'
import { hasSecondFactor, removeSecondFactor as deleteSecondFactor } from '../accounts/second-factor'
import { removeUserPasskeys } from '../accounts/passkeys'
import type { AuthenticationResponseJSON } from '../credentials/passkey'
import { type PasskeyAnswer, checkPasskeyAnswer } from './passkeys'
import { getEnv } from '../platform/env'
import { endUserKeys } from './keys'
import { hashPassword } from '../credentials/password'
import { clearBuckets, guessesKey, lockoutKey, refundAttempt, takeAttempt } from '../request/rate-limit'
import { RESET_PURPOSES, consumeToken, mailEmailChangedLater, mailVerificationLater, peekToken, takeVerificationAttempt, voidTokens } from './recovery'
import { checkCode, countFailure, isLockedOut } from './mfa'
import { type Amr, endOtherSessions, endUserSessions, isSessionUsable, markReauthenticated } from './sessions'
import { signDeviceCookie } from '../credentials/tokens'
import {
  type Account,
  type ProfileChanges,
  type PublicUser,
  checkCredentials,
  findAccount,
  getAccount,
  lockUser,
  replacePassword,
  resetPassword,
  updateProfile,
} from '../accounts/users'
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
  // Only wrong ones fill the budget: a user who steps up several times in a window is not slowed.
  await refundAttempt([currentPasswordKey(user.id)])
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

export type ChangeProfileResult = { ok: true; user: PublicUser } | { ok: false; reason: 'password_required' | 'wrong_password' | 'session_ended' | 'reauth_required' } | Throttled

/**
 * `PATCH /api/users/me`. A new email (or none) needs the current password and a fresh sign-in: the
 * address is where reset links go, so a stolen session must not be able to redirect them. The new address is
 * unverified and gets a link (such changes are counted: each mails someone); every link of the
 * user is void; the old address, if verified, is told. The change is made only if the caller's
 * session is still usable under the user's locked row: a reset or a new password that committed
 * while the password was being checked wins.
 */
export async function changeProfile(auth: Authenticated, changes: ProfileChanges & { currentPassword?: string }, client: Client): Promise<ChangeProfileResult> {
  const { currentPassword, ...profile } = changes
  const passwordChecked = profile.email !== undefined && profile.email !== auth.user.email
  if (passwordChecked) {
    if (!isFresh(auth)) return { ok: false, reason: 'reauth_required' }
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
  // An admin's password is never set from a link: one made while they were a plain user dies with the promotion.
  const refused = account === null || account.user.disabled || account.user.role === 'admin'
  if (peeked === null || refused || account.credentialsEpoch !== peeked.credentialsEpoch || addressMoved) {
    return { ok: false, reason: 'invalid' }
  }
  if (!isNotUsername(newPassword, account.user.username)) return { ok: false, reason: 'password_is_username' }
  const hashedPassword = await hashPassword(newPassword)
  const done = await (await getDb()).transaction(async (tx) => {
    const used = await consumeToken(tx, token, peeked, RESET_PURPOSES)
    if (used === null) return false
    return setNewPassword(tx, used.userId, used.credentialsEpoch ?? -1, hashedPassword, used.purpose === 'admin_reset' ? 'admin_link' : 'mail', client)
  })
  return done ? { ok: true } : { ok: false, reason: 'invalid' }
}

/**
 * A new password set without the old one (a reset link, or the terminal), in the caller's
 * transaction: the user moves to a new credentials epoch (a login with the old password inside
 * bcrypt fails, every device cookie and mfa_token dies), every session and personal access token
 * ends, and the lock-out and guess counters of the name are cleared, so whoever held the account
 * is out and its owner can sign in at once. False, changing nothing, when the credentials changed
 * since `credentialsEpoch` or the user is disabled.
 */
async function setNewPassword(tx: Tx, userId: number, credentialsEpoch: number, hashedPassword: string, via: 'mail' | 'admin_link' | 'terminal', client: Client | null): Promise<boolean> {
  const user = await resetPassword(tx, userId, credentialsEpoch, hashedPassword)
  if (user === null) return false
  const sessionsEnded = await endUserSessions(tx, user.id, 'password_reset')
  const keysEnded = await endUserKeys(tx, user.id)
  await clearBuckets([lockoutKey(user.username), guessesKey(user.username), currentPasswordKey(user.id)], tx)
  await recordEvent(tx, { kind: 'password_reset', actorId: via === 'terminal' ? null : user.id, targetId: user.id, client, detail: { via, sessions_ended: sessionsEnded, keys_ended: keysEnded } })
  return true
}

export type TerminalRecoveryResult = { ok: true; secondFactorRemoved: boolean } | { ok: false; reason: 'not_found' | 'disabled' | 'password_is_username' | 'changed' }

/**
 * `npm run user:recover -- <username> [--second-factor]`: whoever runs the server sets a new
 * password for an account, admins included (a reset link never reaches an admin), with the same
 * effects as a reset link; with `removeSecondFactor`, the account's second factor goes too.
 */
export async function recoverFromTerminal(username: string, newPassword: string, removeSecondFactor: boolean): Promise<TerminalRecoveryResult> {
  const account = await findAccount(username)
  if (account === null) return { ok: false, reason: 'not_found' }
  if (account.user.disabled) return { ok: false, reason: 'disabled' }
  if (!isNotUsername(newPassword, account.user.username)) return { ok: false, reason: 'password_is_username' }
  const hashedPassword = await hashPassword(newPassword)
  return (await getDb()).transaction(async (tx) => {
    if (!(await setNewPassword(tx, account.user.id, account.credentialsEpoch, hashedPassword, 'terminal', null))) return { ok: false, reason: 'changed' } as const
    const totp = removeSecondFactor && (await deleteSecondFactor(tx, account.user.id))
    const passkeys = removeSecondFactor ? await removeUserPasskeys(tx, account.user.id) : 0
    const removed = totp || passkeys > 0
    if (removed) await recordEvent(tx, { kind: 'mfa_reset', targetId: account.user.id, detail: { via: 'terminal', totp, passkeys } })
    return { ok: true, secondFactorRemoved: removed } as const
  })
}

export type ReauthResult =
  | { ok: true }
  | { ok: false; reason: 'wrong_password' | 'wrong_code' | 'code_required' | 'password_required' | 'session_ended' | 'locked_out' }
  | Exclude<PasskeyAnswer, { ok: true }>
  | Throttled

/**
 * `POST /api/users/me/reauth`, the step-up: the caller proves who they are again, and the
 * session's auth_time becomes now (its amr, how). A user with a second factor answers with it: a
 * passkey, or a TOTP code (a recovery code too: a lost phone must not block turning it off); the
 * password alone is not enough, or a stolen session plus a phished password would do what the
 * second factor is there to stop. Wrong answers are throttled (passwords per account as for a
 * password change, codes per session and per address, passkeys per passkey and per address) and
 * count toward the account's LOCKOUT_FAILURES; once it is reached, step-ups are refused until a
 * full sign-in ends the run: a stolen session cannot guess for the 30 days it may live.
 */
export async function reauthenticate(auth: Authenticated, proof: { password?: string; otp?: string; passkey?: AuthenticationResponseJSON }, client: Client): Promise<ReauthResult> {
  if (await isLockedOut(auth.user.username)) return { ok: false, reason: 'locked_out' }
  const proved = await checkProof(auth, proof, client)
  if (!proved.ok) return proved
  const done = await (await getDb()).transaction(async (tx) => {
    if (!(await markReauthenticated(tx, auth.sessionId, auth.user.id, [proved.amr]))) return false
    await recordEvent(tx, { kind: 'reauthenticated', actorId: auth.user.id, targetId: auth.user.id, client, detail: { session_id: auth.sessionId, method: proved.amr } })
    return true
  })
  return done ? { ok: true } : { ok: false, reason: 'session_ended' }
}

async function checkProof(auth: Authenticated, proof: { password?: string; otp?: string; passkey?: AuthenticationResponseJSON }, client: Client): Promise<{ ok: true; amr: Amr } | Exclude<ReauthResult, { ok: true }>> {
  const failed = (method: Amr) => recordAttempt({ kind: 'reauth_failed', actorId: auth.user.id, targetId: auth.user.id, client, detail: { method } })
  if (proof.passkey !== undefined) {
    const answer = await checkPasskeyAnswer(proof.passkey, { purpose: 'reauth', userId: auth.user.id, sessionId: auth.sessionId }, client)
    if (!answer.ok && answer.reason === 'refused') await failed('passkey')
    return answer.ok ? { ok: true, amr: 'passkey' } : answer
  }
  if (auth.mfa.totp && proof.otp !== undefined) {
    const checked = await checkCode(auth.user, proof.otp, client, `otp:session:${auth.sessionId}`)
    if (!checked.ok && checked.reason === 'wrong_code') await failed('otp')
    return checked.ok ? { ok: true, amr: checked.amr } : checked
  }
  if (hasSecondFactor(auth.mfa)) return { ok: false, reason: 'code_required' }
  if (proof.password === undefined) return { ok: false, reason: 'password_required' }
  const checked = await checkCurrentPassword(auth.user, proof.password, client, 'reauth')
  if (!checked.ok && checked.reason === 'wrong_password') {
    await failed('pwd')
    await countFailure(auth.user, client, { username: auth.user.username })
  }
  return checked.ok ? { ok: true, amr: 'pwd' } : checked
}
