import { and, count, desc, eq, sql } from 'drizzle-orm'
import { type Tx, getDb } from '../platform/db'
import { passkeys, users } from '../platform/schema'
import type { NewCredential, StoredCredential } from '../credentials/passkey'

// Owns the `passkeys` table: the WebAuthn credentials of each user, as the checks need them
// (lib/credentials/passkey.ts) and as the user's list shows them. The counter moves only forward,
// in one atomic statement.

/** Passkeys a user may have. */
export const MAX_PASSKEYS = 10

/** A passkey as its owner sees it. `synced`: backed up (a password manager, a platform keychain); else bound to one device. */
export type Passkey = { id: string; name: string; created_at: string; last_used_at: string | null; synced: boolean }

const listColumns = { id: passkeys.id, name: passkeys.name, createdAt: passkeys.createdAt, lastUsedAt: passkeys.lastUsedAt, synced: passkeys.backedUp }

function toPasskey(row: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null; synced: boolean }): Passkey {
  return { id: row.id, name: row.name, created_at: row.createdAt.toISOString(), last_used_at: row.lastUsedAt?.toISOString() ?? null, synced: row.synced }
}
const storedColumns = { credentialId: passkeys.credentialId, publicKey: passkeys.publicKey, counter: passkeys.counter, transports: passkeys.transports }

/** How many passkeys the user of the row has, for queries that read `users` (the second-factor status). */
export const passkeyCount = sql<number>`(select count(*) from ${passkeys} where ${passkeys.userId} = ${users.id})`.mapWith(Number)

export async function listPasskeys(userId: number): Promise<Passkey[]> {
  const db = await getDb()
  const rows = await db.select(listColumns).from(passkeys).where(eq(passkeys.userId, userId)).orderBy(desc(passkeys.createdAt))
  return rows.map(toPasskey)
}

/** The user's passkeys as a ceremony names them (the ones to exclude, or to allow). */
export async function storedCredentials(userId: number): Promise<StoredCredential[]> {
  const db = await getDb()
  return db.select(storedColumns).from(passkeys).where(eq(passkeys.userId, userId))
}

export type FoundPasskey = { id: string; userId: number; name: string; stored: StoredCredential }

/** The passkey an answer names by its credential id, or null. */
export async function findPasskey(credentialId: string): Promise<FoundPasskey | null> {
  if (credentialId.length > 1024) return null
  const db = await getDb()
  const [row] = await db.select({ id: passkeys.id, userId: passkeys.userId, name: passkeys.name, ...storedColumns }).from(passkeys).where(eq(passkeys.credentialId, credentialId))
  return row === undefined ? null : { id: row.id, userId: row.userId, name: row.name, stored: { credentialId: row.credentialId, publicKey: row.publicKey, counter: row.counter, transports: row.transports } }
}

/**
 * A new passkey, in the caller's transaction, which holds the user's row (so two registrations
 * cannot both pass the limit); `duplicate` when the authenticator's credential is registered
 * already, by this user or another.
 */
export async function addPasskey(tx: Tx, userId: number, credential: NewCredential, name: string): Promise<{ ok: true; passkey: Passkey } | { ok: false; reason: 'limit' | 'duplicate' }> {
  if ((await countPasskeys(tx, userId)) >= MAX_PASSKEYS) return { ok: false, reason: 'limit' }
  const [row] = await tx
    .insert(passkeys)
    .values({ userId, name, ...credential })
    .onConflictDoNothing({ target: passkeys.credentialId })
    .returning(listColumns)
  return row === undefined ? { ok: false, reason: 'duplicate' } : { ok: true, passkey: toPasskey(row) }
}

export async function countPasskeys(tx: Tx, userId: number): Promise<number> {
  const [{ total }] = (await tx.select({ total: count() }).from(passkeys).where(eq(passkeys.userId, userId))) as [{ total: number }]
  return total
}

export async function renamePasskey(userId: number, id: string, name: string): Promise<Passkey | null> {
  const db = await getDb()
  const [row] = await db.update(passkeys).set({ name }).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).returning(listColumns)
  return row === undefined ? null : toPasskey(row)
}

/** Whether the passkey is still registered, read in the caller's transaction. */
export async function passkeyExists(tx: Tx, id: string): Promise<boolean> {
  return (await tx.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.id, id))).length === 1
}

/** Removes one of the user's passkeys: its name, or null when there is no such passkey of theirs. */
export async function removePasskey(tx: Tx, userId: number, id: string): Promise<string | null> {
  const [row] = await tx.delete(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).returning({ name: passkeys.name })
  return row?.name ?? null
}

/** Removes every passkey of the user (an admin's reset of their second factor): how many. */
export async function removeUserPasskeys(tx: Tx, userId: number): Promise<number> {
  return (await tx.delete(passkeys).where(eq(passkeys.userId, userId)).returning({ id: passkeys.id })).length
}

/**
 * Records a use: the new counter, backup state and time. False, changing nothing, when the counter
 * moved past `counter` meanwhile (another answer of the passkey, with a counter as high, won):
 * counters only go up, except for authenticators that keep none (always 0, as synced passkeys do).
 */
export async function recordPasskeyUse(id: string, counter: number, backedUp: boolean): Promise<boolean> {
  const db = await getDb()
  const rows = await db
    .update(passkeys)
    .set({ counter, backedUp, lastUsedAt: sql`now()` })
    .where(and(eq(passkeys.id, id), sql`(${passkeys.counter} < ${counter} or (${passkeys.counter} = 0 and ${counter} = 0))`))
    .returning({ id: passkeys.id })
  return rows.length === 1
}
