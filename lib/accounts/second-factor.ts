import { and, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm'
import { type Tx, getDb } from '../platform/db'
import { secondFactors, users } from '../platform/schema'
import { passkeyCount } from './passkeys'
import { decryptSecret, encryptSecret, hashRecoveryCode } from '../credentials/totp'

// Owns the `second_factors` table: a user's TOTP secret (sealed by lib/credentials/totp.ts, never
// leaving this module but as the secret a code is checked against), the last time step accepted,
// and the hashes of their recovery codes. Every use is one atomic statement, so two requests
// racing with the same code or recovery code cannot both win.

/**
 * What the user and the directory see of their second factors: TOTP (with its recovery codes) and
 * passkeys (lib/accounts/passkeys.ts). Either one makes a password sign-in ask for a second step.
 */
export type MfaStatus = { totp: boolean; recovery_codes_left: number; passkeys: number }

/** The status as columns, for the queries of other modules that read `users` and left-join `second_factors` (sessions, keys). */
export const mfaStatusColumns = {
  totp: sql<boolean>`(${secondFactors.totpEnabledAt} is not null)`.mapWith(Boolean),
  recoveryCodesLeft: sql<number>`coalesce(cardinality(${secondFactors.recoveryCodes}), 0)`.mapWith(Number),
  passkeys: passkeyCount,
}

export function toMfaStatus(row: { totp: boolean | null; recoveryCodesLeft: number | null; passkeys: number }): MfaStatus {
  return { totp: row.totp === true, recovery_codes_left: row.totp === true ? (row.recoveryCodesLeft ?? 0) : 0, passkeys: row.passkeys }
}

export const NO_SECOND_FACTOR: MfaStatus = { totp: false, recovery_codes_left: 0, passkeys: 0 }

/** Whether the user has a second factor: TOTP or a passkey. */
export const hasSecondFactor = (mfa: { totp: boolean; passkeys: number }): boolean => mfa.totp || mfa.passkeys > 0

export async function getMfaStatuses(userIds: number[]): Promise<Map<number, MfaStatus>> {
  if (userIds.length === 0) return new Map()
  const db = await getDb()
  const rows = await db
    .select({ userId: users.id, ...mfaStatusColumns })
    .from(users)
    .leftJoin(secondFactors, eq(secondFactors.userId, users.id))
    .where(inArray(users.id, userIds))
  return new Map(rows.map((row) => [row.userId, toMfaStatus(row)]))
}

/**
 * Keeps a new secret for a set-up until a code confirms it (replacing an earlier unconfirmed one);
 * false when TOTP is already on.
 */
export async function keepPendingTotp(userId: number, secretBase32: string): Promise<boolean> {
  const db = await getDb()
  const pending = encryptSecret(secretBase32, userId)
  const rows = await db
    .insert(secondFactors)
    .values({ userId, totpPending: pending })
    .onConflictDoUpdate({ target: secondFactors.userId, set: { totpPending: pending }, where: isNull(secondFactors.totpSecret) })
    .returning({ userId: secondFactors.userId })
  return rows.length === 1
}

export type TotpSecrets = { active: string | null; pending: string | null; lastStep: number }

/** The user's TOTP secrets, decrypted (null where none, or where AUTH_SECRET changed since). */
export async function readTotpSecrets(userId: number): Promise<TotpSecrets> {
  const db = await getDb()
  const [row] = await db
    .select({ secret: secondFactors.totpSecret, pending: secondFactors.totpPending, lastStep: secondFactors.totpLastStep })
    .from(secondFactors)
    .where(eq(secondFactors.userId, userId))
  if (row === undefined) return { active: null, pending: null, lastStep: 0 }
  const open = (sealed: string | null) => (sealed === null ? null : decryptSecret(sealed, userId))
  if (row.secret !== null && open(row.secret) === null) console.error(`user ${userId} has a TOTP secret sealed under another AUTH_SECRET: an admin must reset their second factor`)
  return { active: open(row.secret), pending: open(row.pending), lastStep: row.lastStep }
}

/**
 * Turns the pending secret into the active one, with its first accepted step and a first set of
 * recovery codes; false when there is no pending secret (or TOTP is on already).
 */
export async function activatePendingTotp(tx: Tx, userId: number, step: number, recoveryCodes: string[]): Promise<boolean> {
  const rows = await tx
    .update(secondFactors)
    .set({
      totpSecret: sql`${secondFactors.totpPending}`,
      totpPending: null,
      totpEnabledAt: sql`now()`,
      totpLastStep: step,
      recoveryCodes: recoveryCodes.map((code) => hashRecoveryCode(code, userId)),
      recoveryCodesAt: sql`now()`,
    })
    .where(and(eq(secondFactors.userId, userId), isNotNull(secondFactors.totpPending), isNull(secondFactors.totpSecret)))
    .returning({ userId: secondFactors.userId })
  return rows.length === 1
}

/** Records `step` as used: false when it, or a later one, was accepted before (a replayed code). */
export async function acceptTotpStep(userId: number, step: number): Promise<boolean> {
  const db = await getDb()
  const rows = await db
    .update(secondFactors)
    .set({ totpLastStep: step })
    .where(and(eq(secondFactors.userId, userId), isNotNull(secondFactors.totpSecret), lt(secondFactors.totpLastStep, step)))
    .returning({ userId: secondFactors.userId })
  return rows.length === 1
}

/** Uses up a recovery code: how many are left, or null when it is not one of the user's. */
export async function useRecoveryCode(userId: number, code: string): Promise<number | null> {
  const db = await getDb()
  const hash = hashRecoveryCode(code, userId)
  const [row] = await db
    .update(secondFactors)
    .set({ recoveryCodes: sql`array_remove(${secondFactors.recoveryCodes}, ${hash})` })
    .where(and(eq(secondFactors.userId, userId), isNotNull(secondFactors.totpSecret), sql`${hash} = any(${secondFactors.recoveryCodes})`))
    .returning({ left: sql<number>`cardinality(${secondFactors.recoveryCodes})`.mapWith(Number) })
  return row?.left ?? null
}

/** A new set of recovery codes, the old set void; false when TOTP is off. */
export async function replaceRecoveryCodes(tx: Tx, userId: number, recoveryCodes: string[]): Promise<boolean> {
  const rows = await tx
    .update(secondFactors)
    .set({ recoveryCodes: recoveryCodes.map((code) => hashRecoveryCode(code, userId)), recoveryCodesAt: sql`now()` })
    .where(and(eq(secondFactors.userId, userId), isNotNull(secondFactors.totpSecret)))
    .returning({ userId: secondFactors.userId })
  return rows.length === 1
}

/** Removes the user's second factor, set up or pending; true when TOTP was on. */
export async function removeSecondFactor(tx: Tx, userId: number): Promise<boolean> {
  const rows = await tx.delete(secondFactors).where(eq(secondFactors.userId, userId)).returning({ totp: secondFactors.totpSecret })
  return rows.some((row) => row.totp !== null)
}
