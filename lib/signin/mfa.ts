import { createHash, randomBytes } from 'node:crypto'
import { and, eq, gt, lt, sql } from 'drizzle-orm'
import { recordAttempt, recordEvent, recordRefusal } from '../accounts/audit'
import {
  activatePendingTotp,
  acceptTotpStep,
  keepPendingTotp,
  readTotpSecrets,
  removeSecondFactor,
  replaceRecoveryCodes,
  useRecoveryCode,
} from '../accounts/second-factor'
import type { PublicUser, Role } from '../accounts/users'
import type { MfaStatus } from '../accounts/second-factor'
import { type Tx, getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { mfaChallenges } from '../platform/schema'
import type { Client } from '../request/client'
import { extendRun, lockoutKey, readBuckets, refundAttempt, takeAttempt } from '../request/rate-limit'
import { looksLikeTotp, matchTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, totpUri } from '../credentials/totp'
import { mailNoticeLater } from './recovery'
import { isSessionUsable } from './sessions'

// The second factor: setting TOTP up and down, recovery codes, checking a code, and the sign-ins
// waiting for their second step. Owns the `mfa_challenges` table: an mfa_token is 32 random bytes,
// stored as its SHA-256, single use, valid MFA_TOKEN_MINUTES, void after MFA_TOKEN_TRIES wrong
// codes or a change of the user's credentials epoch (docs/decisions/019-second-factor-and-step-up.md).

type Throttled = { ok: false; reason: 'throttled'; retryAfter: number }

/** A signed-in caller acting on their own second factor. */
export type Caller = { user: PublicUser; sessionId: string; mfa: MfaStatus }

/**
 * Consecutive failed sign-ins (wrong passwords and wrong codes) after which an account refuses new
 * browsers and scripts (NIST SP 800-63B 5.2.2: at most 100). A browser with a device cookie of
 * the account still signs in.
 */
export const LOCKOUT_FAILURES = 100

/** A run of failures is forgotten after this long without another one. */
const LOCKOUT_MEMORY_SECONDS = 30 * 24 * 60 * 60

/** Counts a failed sign-in toward LOCKOUT_FAILURES; the run's 100th is recorded as the lock-out. */
export async function countFailure(user: { id: number | null; username: string }, client: Client, named: Record<string, string>): Promise<void> {
  if ((await extendRun(lockoutKey(user.username), LOCKOUT_MEMORY_SECONDS)) === LOCKOUT_FAILURES) {
    await recordAttempt({ kind: 'locked_out', targetId: user.id, client, detail: { failures: LOCKOUT_FAILURES, ...named } })
  }
}

/**
 * Whether the account's run of failures reached LOCKOUT_FAILURES: new devices are refused at
 * sign-in, and step-ups are refused (a stolen session must not guess on for its whole lifetime);
 * a full sign-in from a browser the account has used before ends the run.
 */
export async function isLockedOut(username: string): Promise<boolean> {
  return ((await readBuckets([lockoutKey(username)])).get(lockoutKey(username))?.hits ?? 0) >= LOCKOUT_FAILURES
}

/** Whether MFA_REQUIRED makes users of this role set up a second factor before anything else. */
export function mfaRequiredFor(role: Role): boolean {
  const policy = getEnv().MFA_REQUIRED
  return policy === 'all' || (policy === 'admins' && role === 'admin')
}

export type CodeCheck = { ok: true; amr: 'otp' | 'recovery'; recoveryCodesLeft?: number } | { ok: false; reason: 'wrong_code' } | Throttled

/**
 * Checks a code of the user's second factor: a TOTP code whose time step is later than any
 * accepted before (so a code is good once), or one of their recovery codes (used up). Each try is
 * counted in `bucket` and per client address before anything is checked, like a password; a
 * wrong one also counts toward the account's LOCKOUT_FAILURES. No bcrypt: a few HMACs.
 */
export async function checkCode(user: PublicUser, code: string, client: Client, bucket: string): Promise<CodeCheck> {
  const env = getEnv()
  const keys = [{ key: bucket, limit: env.THROTTLE_LOGIN_PER_USER }, ...(client.ip === null ? [] : [{ key: `login:ip:${client.ip}`, limit: env.THROTTLE_LOGIN_PER_IP }])]
  const gate = await takeAttempt(keys)
  if (!gate.ok) {
    await recordRefusal({ targetId: user.id, client, detail: { action: 'second_factor', username: user.username } }, gate.window)
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  const checked = await matchCode(user, code, client)
  if (checked.ok) await refundAttempt(keys.map((key) => key.key))
  else await countFailure(user, client, { username: user.username })
  return checked
}

async function matchCode(user: PublicUser, code: string, client: Client): Promise<CodeCheck> {
  if (looksLikeTotp(code)) {
    const { active } = await readTotpSecrets(user.id)
    const step = active === null ? null : matchTotp(active, code, new Date())
    return step !== null && (await acceptTotpStep(user.id, step)) ? { ok: true, amr: 'otp' } : { ok: false, reason: 'wrong_code' }
  }
  const left = normalizeRecoveryCode(code) === null ? null : await useRecoveryCode(user.id, code)
  if (left === null) return { ok: false, reason: 'wrong_code' }
  await recordAttempt({ kind: 'recovery_code_used', actorId: user.id, targetId: user.id, client, detail: { left } })
  mailNoticeLater(
    user,
    'A recovery code was used',
    [
      `A recovery code of your account was used to sign in or to confirm an action. ${left} of your recovery codes are left.`,
      '',
      'If this was not you, someone knows your password and has your recovery codes: change your password, make new recovery codes, and end your other sessions.',
    ],
    client,
  )
  return { ok: true, amr: 'recovery', recoveryCodesLeft: left }
}

// Sign-ins waiting for their second step.

export const MFA_TOKEN_MINUTES = 5
export const MFA_TOKEN_TRIES = 5
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/
const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

/** A new mfa_token for a user whose password was right, in the caller's transaction. */
export async function createChallenge(tx: Tx, userId: number, credentialsEpoch: number, knownDevice: boolean): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await tx.delete(mfaChallenges).where(lt(mfaChallenges.expiresAt, sql`now()`))
  await tx.insert(mfaChallenges).values({
    tokenHash: hashToken(token),
    userId,
    credentialsEpoch,
    knownDevice,
    expiresAt: sql`now() + make_interval(mins => ${MFA_TOKEN_MINUTES})`,
  })
  return token
}

export type Challenge = { tokenHash: string; userId: number; credentialsEpoch: number; knownDevice: boolean }

/** The live challenge an mfa_token names: not used, not expired, with tries left; or null. */
export async function findChallenge(token: string): Promise<Challenge | null> {
  if (!TOKEN_SHAPE.test(token)) return null
  const db = await getDb()
  const [row] = await db
    .select({ tokenHash: mfaChallenges.tokenHash, userId: mfaChallenges.userId, credentialsEpoch: mfaChallenges.credentialsEpoch, knownDevice: mfaChallenges.knownDevice })
    .from(mfaChallenges)
    .where(and(eq(mfaChallenges.tokenHash, hashToken(token)), gt(mfaChallenges.expiresAt, sql`now()`), lt(mfaChallenges.failures, MFA_TOKEN_TRIES)))
  return row ?? null
}

/** Counts a wrong code against the challenge: the MFA_TOKEN_TRIES-th ends it. */
export async function failChallenge(challenge: Challenge): Promise<void> {
  const db = await getDb()
  await db.update(mfaChallenges).set({ failures: sql`${mfaChallenges.failures} + 1` }).where(eq(mfaChallenges.tokenHash, challenge.tokenHash))
  await db.delete(mfaChallenges).where(and(eq(mfaChallenges.tokenHash, challenge.tokenHash), sql`${mfaChallenges.failures} >= ${MFA_TOKEN_TRIES}`))
}

/** Uses the challenge up in the caller's transaction: false when another request used it first, or it expired. */
export async function consumeChallenge(tx: Tx, challenge: Challenge): Promise<boolean> {
  const rows = await tx
    .delete(mfaChallenges)
    .where(and(eq(mfaChallenges.tokenHash, challenge.tokenHash), gt(mfaChallenges.expiresAt, sql`now()`), lt(mfaChallenges.failures, MFA_TOKEN_TRIES)))
    .returning({ userId: mfaChallenges.userId })
  return rows.length === 1
}

// Setting TOTP up and down. Each needs a fresh sign-in (the routes check it).

export type TotpSetup = { secret: string; otpauth_uri: string }

/** Starts a set-up: a new secret, shown to the user, kept until a code confirms it. */
export async function startTotp(caller: Caller): Promise<{ ok: true; setup: TotpSetup } | { ok: false; reason: 'already_on' }> {
  const secret = newTotpSecret()
  if (!(await keepPendingTotp(caller.user.id, secret))) return { ok: false, reason: 'already_on' }
  return { ok: true, setup: { secret, otpauth_uri: totpUri(secret, caller.user.username) } }
}

export type RecoveryCodesResult = { ok: true; recoveryCodes: string[] } | { ok: false; reason: 'not_on' | 'session_ended' }

/**
 * Confirms a set-up with a code of the new secret: TOTP is on from now, and the first set of
 * recovery codes is returned, to be shown this once.
 */
export async function confirmTotp(caller: Caller, code: string, client: Client): Promise<RecoveryCodesResult | { ok: false; reason: 'no_setup' | 'wrong_code' } | Throttled> {
  const gate = await takeAttempt([{ key: `otp:setup:${caller.user.id}`, limit: getEnv().THROTTLE_LOGIN_PER_USER }])
  if (!gate.ok) return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  const { pending } = await readTotpSecrets(caller.user.id)
  if (pending === null) return { ok: false, reason: 'no_setup' }
  const step = matchTotp(pending, code, new Date())
  if (step === null) return { ok: false, reason: 'wrong_code' }
  const recoveryCodes = newRecoveryCodes()
  const outcome = await (await getDb()).transaction(async (tx) => {
    if (!(await isSessionUsable(tx, caller.sessionId, caller.user.id))) return { ok: false, reason: 'session_ended' } as const
    if (!(await activatePendingTotp(tx, caller.user.id, step, recoveryCodes))) return { ok: false, reason: 'no_setup' } as const
    await recordEvent(tx, { kind: 'mfa_enabled', actorId: caller.user.id, targetId: caller.user.id, client, detail: { method: 'totp' } })
    return { ok: true, recoveryCodes } as const
  })
  // Told too: someone holding a fresh session of the user could set up an authenticator of their
  // own and so lock the owner out of their next sign-in.
  if (outcome.ok) {
    mailNoticeLater(caller.user, 'Two-step sign-in was turned on', ['Your account now asks for a code from an authenticator app after the password.', '', 'If you did not do this, ask an administrator to reset your second factor.'], client)
  }
  return outcome
}

/** A new set of recovery codes; the old set is void. */
export async function renewRecoveryCodes(caller: Caller, client: Client): Promise<RecoveryCodesResult> {
  const recoveryCodes = newRecoveryCodes()
  return (await getDb()).transaction(async (tx) => {
    if (!(await isSessionUsable(tx, caller.sessionId, caller.user.id))) return { ok: false, reason: 'session_ended' } as const
    if (!(await replaceRecoveryCodes(tx, caller.user.id, recoveryCodes))) return { ok: false, reason: 'not_on' } as const
    await recordEvent(tx, { kind: 'recovery_codes_created', actorId: caller.user.id, targetId: caller.user.id, client })
    return { ok: true, recoveryCodes } as const
  })
}

/**
 * Turns TOTP off (with its recovery codes), unless MFA_REQUIRED covers the user's role and they
 * have no passkey (their other second factor); a verified address is told.
 */
export async function turnOffTotp(caller: Caller, client: Client): Promise<{ ok: true } | { ok: false; reason: 'not_on' | 'required' | 'session_ended' }> {
  if (mfaRequiredFor(caller.user.role) && caller.mfa.passkeys === 0) return { ok: false, reason: 'required' }
  const outcome = await (await getDb()).transaction(async (tx) => {
    if (!(await isSessionUsable(tx, caller.sessionId, caller.user.id))) return { ok: false, reason: 'session_ended' } as const
    if (!(await removeSecondFactor(tx, caller.user.id))) return { ok: false, reason: 'not_on' } as const
    await recordEvent(tx, { kind: 'mfa_disabled', actorId: caller.user.id, targetId: caller.user.id, client, detail: { method: 'totp' } })
    return { ok: true } as const
  })
  if (outcome.ok) mailSecondFactorOff(caller.user, 'You turned your authenticator app off', client, caller.mfa.passkeys === 0)
  return outcome
}

/** Tells a verified address that the account's second factor is off (`how`: by whom; `passwordAlone`: no passkey is left either). */
export function mailSecondFactorOff(user: PublicUser, how: string, client: Client, passwordAlone = true): void {
  mailNoticeLater(
    user,
    'Two-step sign-in was turned off',
    [
      passwordAlone ? `${how}: your password alone now signs you in.` : `${how}: your passkeys still answer the second step after your password.`,
      '',
      'If you did not expect this, change your password, end your other sessions and set two-step sign-in up again.',
    ],
    client,
  )
}
