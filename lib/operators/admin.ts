import { recordEvent } from '../accounts/audit'
import type { Authenticated } from '../signin/auth'
import { LOCKOUT_FAILURES, mailSecondFactorOff, mfaRequiredFor } from '../signin/mfa'
import { type MfaStatus, NO_SECOND_FACTOR, getMfaStatuses, removeSecondFactor } from '../accounts/second-factor'
import { removeUserPasskeys } from '../accounts/passkeys'
import type { Client } from '../request/client'
import { getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { clearBuckets, lockoutKey, readBuckets } from '../request/rate-limit'
import { endUserKeys } from '../signin/keys'
import { appLink } from '../platform/mail'
import { RESET_PURPOSES, issueToken, voidTokens } from '../signin/recovery'
import { countLiveSessions, endUserSessions, isSessionUsable } from '../signin/sessions'
import {
  type DirectoryUser,
  type PublicUser,
  type Role,
  bumpCredentialsEpoch,
  findAccount,
  getAccount,
  getUser,
  hasEnabledAdmin,
  listUsers,
  lockEnabledAdmins,
  lockUser,
  promoteFirstAdmin,
  setDisabled,
  setRole,
} from '../accounts/users'

// What admins do to other accounts. Each action is one transaction that spans the owning modules
// (users, sessions, throttles) and records its audit event with the admin as the actor.

export type DirectoryEntry = DirectoryUser & { live_sessions: number; locked: boolean; mfa: MfaStatus & { required: boolean } }

/** The directory page: users with their live sessions, whether the 100-failure lock holds, and their second factor. */
export async function listDirectory(query: string | undefined, cursor: number | undefined): Promise<{ items: DirectoryEntry[]; next_cursor: string | null }> {
  const { users, nextCursor } = await listUsers(query, cursor)
  return { items: await withCounts(users), next_cursor: nextCursor === null ? null : String(nextCursor) }
}

async function withCounts(users: DirectoryUser[]): Promise<DirectoryEntry[]> {
  const ids = users.map((user) => user.id)
  const [live, failures, mfa] = await Promise.all([countLiveSessions(ids), readBuckets(users.map((user) => lockoutKey(user.username))), getMfaStatuses(ids)])
  return users.map((user) => ({
    ...user,
    live_sessions: live.get(user.id) ?? 0,
    locked: (failures.get(lockoutKey(user.username))?.hits ?? 0) >= LOCKOUT_FAILURES,
    mfa: { ...(mfa.get(user.id) ?? NO_SECOND_FACTOR), required: mfaRequiredFor(user.role) },
  }))
}

export type AdminResult<T> = { ok: true; value: T } | { ok: false; status: 403 | 404 | 409; detail: string }

const NOT_FOUND = { ok: false, status: 404, detail: 'User not found' } as const
// The admin was demoted or disabled while this request waited for the lock.
const NO_LONGER_ADMIN = { ok: false, status: 403, detail: 'Admins only' } as const

/**
 * Disables or enables a user, and makes them admin or user. Disabling ends every session and
 * every personal access token of the user in the same transaction and moves them to a new
 * credentials epoch, so enabling them again
 * brings nothing back and a login inside bcrypt meanwhile fails. An admin cannot disable or demote
 * themselves, nor the last enabled admin.
 */
export async function updateUser(admin: Authenticated, userId: number, changes: UserChanges, client: Client): Promise<AdminResult<DirectoryEntry>> {
  if ((changes.disabled === true || changes.role === 'user') && userId === admin.user.id) {
    return { ok: false, status: 409, detail: 'You cannot disable or demote yourself: ask another admin.' }
  }
  const outcome = await applyChanges(admin.user.id, userId, changes, client)
  if (!outcome.ok) return outcome
  return { ok: true, value: (await withCounts([outcome.value]))[0]! }
}

/** `npm run user:promote -- <name> [--demote]`: the same rules, with no admin acting. */
export async function setRoleFromTerminal(username: string, role: Role): Promise<AdminResult<DirectoryUser>> {
  const account = await findAccount(username)
  return account === null ? NOT_FOUND : applyChanges(null, account.user.id, { role }, null)
}

// The first admin of a development server (docs/decisions/018-first-admin-in-development.md):
// under `npm run dev` the server holds the embedded store, so `npm run user:promote` cannot open
// it; instead a signed-in user may make themselves admin while no account is an enabled admin.
// Only where NODE_ENV is development, which `next build` inlines as production: a production
// build never offers or grants it, whatever the database holds.

/** Whether /admin offers the signed-in user to become the first admin. */
export async function offersFirstAdmin(): Promise<boolean> {
  return getEnv().NODE_ENV === 'development' && !(await hasEnabledAdmin())
}

/** Makes the caller the first admin: 404 outside development, 409 once there is an admin. */
export async function becomeFirstAdmin(caller: Authenticated, client: Client): Promise<AdminResult<PublicUser>> {
  if (getEnv().NODE_ENV !== 'development') {
    return { ok: false, status: 404, detail: 'Only a development server makes its first admin this way: run `npm run user:promote -- <username>`.' }
  }
  const db = await getDb()
  const promoted = await db.transaction(async (tx) => {
    if (!(await promoteFirstAdmin(tx, caller.user.id))) return false
    await recordEvent(tx, { kind: 'role_changed', actorId: caller.user.id, targetId: caller.user.id, client, detail: { from: 'user', to: 'admin', first_admin: true } })
    return true
  })
  return promoted ? { ok: true, value: { ...caller.user, role: 'admin' } } : { ok: false, status: 409, detail: 'This server has an admin already: ask them to make you one.' }
}

type UserChanges = { disabled?: boolean; role?: Role }

async function applyChanges(actorId: number | null, userId: number, changes: UserChanges, client: Client | null): Promise<AdminResult<DirectoryUser>> {
  const db = await getDb()
  const outcome = await db.transaction(async (tx): Promise<AdminResult<null>> => {
    const admins = await lockEnabledAdmins(tx)
    if (actorId !== null && !admins.includes(actorId)) return NO_LONGER_ADMIN
    const before = await lockUser(tx, userId)
    if (before === null) return NOT_FOUND
    if ((changes.disabled === true || changes.role === 'user') && admins.includes(userId) && admins.length === 1) {
      return { ok: false, status: 409, detail: 'This is the last enabled admin: make another user admin first.' }
    }
    const event = { actorId, targetId: userId, client }
    if (changes.disabled !== undefined && changes.disabled !== before.disabled) {
      await setDisabled(tx, userId, changes.disabled)
      if (changes.disabled) {
        const ended = await endUserSessions(tx, userId, 'disabled')
        const keysEnded = await endUserKeys(tx, userId)
        await recordEvent(tx, { ...event, kind: 'user_disabled', detail: { sessions_ended: ended, keys_ended: keysEnded } })
      } else {
        await recordEvent(tx, { ...event, kind: 'user_enabled' })
      }
    }
    if (changes.role !== undefined && changes.role !== before.role) {
      await setRole(tx, userId, changes.role)
      // A reset link made while they were a plain user must not set an admin's password.
      if (changes.role === 'admin') await voidTokens(tx, userId, RESET_PURPOSES)
      await recordEvent(tx, { ...event, kind: 'role_changed', detail: { from: before.role, to: changes.role } })
    }
    return { ok: true, value: null }
  })
  if (!outcome.ok) return outcome
  const user = await getUser(userId)
  return user === null ? NOT_FOUND : { ok: true, value: user }
}

/** Ends every session of a user (and a login in flight: a new credentials epoch). */
export async function endAllSessions(admin: Authenticated, userId: number, client: Client): Promise<AdminResult<number>> {
  const db = await getDb()
  return db.transaction(async (tx) => {
    if (!(await lockEnabledAdmins(tx)).includes(admin.user.id)) return NO_LONGER_ADMIN
    if (!(await bumpCredentialsEpoch(tx, userId))) return NOT_FOUND
    const ended = await endUserSessions(tx, userId, 'ended_by_admin')
    await recordEvent(tx, { kind: 'sessions_ended', actorId: admin.user.id, targetId: userId, client, detail: { sessions_ended: ended } })
    return { ok: true, value: ended }
  })
}

/** Lifts the 100-failure lock-out of a user's name, so that new browsers and scripts may try again. */
export async function clearLockout(admin: Authenticated, userId: number, client: Client): Promise<AdminResult<boolean>> {
  const user = await getUser(userId)
  if (user === null) return NOT_FOUND
  const db = await getDb()
  return db.transaction(async (tx) => {
    if (!(await lockEnabledAdmins(tx)).includes(admin.user.id)) return NO_LONGER_ADMIN
    const cleared = await clearBuckets([lockoutKey(user.username)], tx)
    await recordEvent(tx, { kind: 'lockout_cleared', actorId: admin.user.id, targetId: userId, client, detail: { was_counting: cleared } })
    return { ok: true, value: cleared }
  })
}

export type ResetLink = { url: string; expires_at: string }

const ADMIN_RECOVERS_AT_TERMINAL = 'An admin recovers their account from a terminal: `npm run user:recover -- <username>`, or another admin makes them a plain user first.'

/**
 * A one-time password reset link for a user, for an admin to hand over by other means (recovery
 * without mail): valid a day, voiding the user's older admin link (not a mailed one, nor does a
 * mailed one void it), shown once and audited. Not for a disabled user: the link would not work.
 */
export async function createResetLink(admin: Authenticated, userId: number, client: Client): Promise<AdminResult<ResetLink>> {
  // Not for oneself: whoever holds this admin's session would take the account over (and sign its
  // owner out everywhere); the password change, which asks for the current one, is the way.
  if (userId === admin.user.id) return { ok: false, status: 409, detail: 'Change your own password on your account page instead.' }
  const account = await getAccount(userId)
  if (account === null) return NOT_FOUND
  if (account.user.disabled) return { ok: false, status: 409, detail: 'This user is disabled: enable them first.' }
  // Never for an admin: whoever holds one admin's session could otherwise promote an account of
  // their own and, as that admin, take the first one over.
  if (account.user.role === 'admin') return { ok: false, status: 409, detail: ADMIN_RECOVERS_AT_TERMINAL }
  const db = await getDb()
  return db.transaction(async (tx) => {
    if (!(await lockEnabledAdmins(tx)).includes(admin.user.id) || !(await isSessionUsable(tx, admin.sessionId, admin.user.id))) return NO_LONGER_ADMIN
    if ((await lockUser(tx, userId))?.role !== 'user') return { ok: false, status: 409, detail: ADMIN_RECOVERS_AT_TERMINAL } as const
    const issued = await issueToken(tx, userId, 'admin_reset', { credentialsEpoch: account.credentialsEpoch })
    await recordEvent(tx, { kind: 'reset_link_created', actorId: admin.user.id, targetId: userId, client, detail: { expires_at: issued.expiresAt.toISOString() } })
    return { ok: true, value: { url: appLink('/reset-password', issued.token), expires_at: issued.expiresAt.toISOString() } }
  })
}

/**
 * Removes another user's second factors (they lost their phone and their recovery codes, or their
 * passkeys): their TOTP, recovery codes and passkeys go, every session of theirs ends and a login in flight fails (a new
 * credentials epoch), and a verified address is told. Not one's own: the account page turns it
 * off, with a code.
 */
export async function resetSecondFactor(admin: Authenticated, userId: number, client: Client): Promise<AdminResult<null>> {
  if (userId === admin.user.id) return { ok: false, status: 409, detail: 'Turn your own two-step sign-in off on your account page.' }
  const db = await getDb()
  const outcome = await db.transaction(async (tx): Promise<AdminResult<PublicUser>> => {
    if (!(await lockEnabledAdmins(tx)).includes(admin.user.id) || !(await isSessionUsable(tx, admin.sessionId, admin.user.id))) return NO_LONGER_ADMIN
    const user = await lockUser(tx, userId)
    if (user === null) return NOT_FOUND
    const totp = await removeSecondFactor(tx, userId)
    const passkeys = await removeUserPasskeys(tx, userId)
    if (!totp && passkeys === 0) return { ok: false, status: 409, detail: 'This user has no second factor.' }
    await bumpCredentialsEpoch(tx, userId)
    const ended = await endUserSessions(tx, userId, 'second_factor_reset')
    await recordEvent(tx, { kind: 'mfa_reset', actorId: admin.user.id, targetId: userId, client, detail: { sessions_ended: ended, totp, passkeys } })
    return { ok: true, value: user }
  })
  if (!outcome.ok) return outcome
  mailSecondFactorOff(outcome.value, 'An administrator turned your two-step sign-in off', client)
  return { ok: true, value: null }
}
