import { and, desc, eq, lt, or, sql } from 'drizzle-orm'
import { recordEvent } from './audit'
import type { Client } from '../request/client'
import { type Tx, getDb } from '../platform/db'
import { hashPassword, isBcryptHash, needsRehash, verifyPassword } from '../credentials/password'
import { secondFactors, users } from '../platform/schema'
import { mfaStatusColumns } from './second-factor'
import { UsernameSchema } from '../credentials/validation'

// Owns the `users` table. The password hash never leaves this module except toward lib/credentials/password.ts.

export type Role = 'user' | 'admin'

export type PublicUser = {
  id: number
  username: string
  email: string | null
  email_verified: boolean
  full_name: string | null
  disabled: boolean
  role: Role
  created_at: string
}

/** The columns of a public user, for queries in other modules that join `users` (sessions). */
export const publicUserColumns = {
  id: users.id,
  username: users.username,
  email: users.email,
  emailVerified: users.emailVerified,
  fullName: users.fullName,
  disabled: users.disabled,
  role: users.role,
  createdAt: users.createdAt,
}

type PublicUserRow = { [K in keyof typeof publicUserColumns]: (typeof users.$inferSelect)[K] }

export function toPublicUser(row: PublicUserRow): PublicUser {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    email_verified: row.emailVerified,
    full_name: row.fullName,
    disabled: row.disabled,
    role: row.role,
    created_at: row.createdAt.toISOString(),
  }
}

export type NewUser = {
  username: string
  email?: string | null
  fullName?: string | null
  role?: Role
}

export type CreateUserResult = { ok: true; user: PublicUser } | { ok: false; reason: 'username_taken' }

/**
 * Creates a user; a username taken in any letter case is refused by the unique index, race-free.
 * `client` is the sign-up's caller, or null for an operator at the terminal; either way the event
 * is recorded with the row.
 */
export async function createUser(input: NewUser, password: string, client: Client | null): Promise<CreateUserResult> {
  return insertUser(input, await hashPassword(password), client, {})
}

/**
 * Creates a user with a bcrypt hash made elsewhere (a FastAPI tutorial database: passlib's $2b$
 * and $2y$ verify as they are). Any other hash is refused, here with a reason and in the table by
 * a check: argon2 or sha256_crypt would leave a user who can never sign in and whose 401 comes
 * faster than anyone else's.
 */
export async function importUser(input: NewUser, passwordHash: string): Promise<CreateUserResult | { ok: false; reason: 'hash_not_bcrypt' }> {
  if (!isBcryptHash(passwordHash)) return { ok: false, reason: 'hash_not_bcrypt' }
  return insertUser(input, passwordHash, null, { imported: true })
}

async function insertUser(input: NewUser, hashedPassword: string, client: Client | null, detail: Record<string, boolean>): Promise<CreateUserResult> {
  const db = await getDb()
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({
        username: input.username,
        hashedPassword,
        email: input.email ?? null,
        fullName: input.fullName ?? null,
        role: input.role ?? 'user',
      })
      .onConflictDoNothing()
      .returning(publicUserColumns)
    if (row === undefined) return { ok: false, reason: 'username_taken' } as const
    const kind = client === null ? 'user_created' : 'signed_up'
    await recordEvent(tx, { kind, actorId: client === null ? null : row.id, targetId: row.id, client, detail: { ...detail, role: row.role } })
    return { ok: true, user: toPublicUser(row) } as const
  })
}

/**
 * A user as a login sees it: who, under which credentials epoch the password was read, and
 * whether a second factor is owed after it (read with the password's row, so that the answer
 * takes the same time either way).
 */
export type Account = { user: PublicUser; credentialsEpoch: number; totp: boolean; passkeys: number }

// The stored hash of each Account, kept out of the object so that it never leaves this module
// (except toward lib/credentials/password.ts) and cannot end up in a log or a response by accident.
const storedHashes = new WeakMap<Account, string>()

const accountColumns = { ...publicUserColumns, credentialsEpoch: users.credentialsEpoch, hashedPassword: users.hashedPassword, totp: mfaStatusColumns.totp, passkeys: mfaStatusColumns.passkeys }

function toAccount(row: { credentialsEpoch: number; hashedPassword: string; totp: boolean; passkeys: number } & PublicUserRow): Account {
  const account = { user: toPublicUser(row), credentialsEpoch: row.credentialsEpoch, totp: row.totp, passkeys: row.passkeys }
  storedHashes.set(account, row.hashedPassword)
  return account
}

/** The account a login names, or null. A name no account can have is not looked up. */
export async function findAccount(username: string): Promise<Account | null> {
  // No "admİn" that the database lower-cases to "admin" while the throttles key it apart.
  if (!UsernameSchema.safeParse(username).success) return null
  const db = await getDb()
  // Usernames are ASCII (UsernameSchema), so lower-casing here and in PostgreSQL agree.
  const [row] = await db
    .select(accountColumns)
    .from(users)
    .leftJoin(secondFactors, eq(secondFactors.userId, users.id))
    .where(sql`lower(${users.username}) = ${username.toLowerCase()}`)
  return row === undefined ? null : toAccount(row)
}

export async function getAccount(userId: number): Promise<Account | null> {
  const db = await getDb()
  const [row] = await db.select(accountColumns).from(users).leftJoin(secondFactors, eq(secondFactors.userId, users.id)).where(eq(users.id, userId))
  return row === undefined ? null : toAccount(row)
}

export type CheckCredentialsResult =
  | { ok: true; user: PublicUser; rehash: boolean }
  | { ok: false; reason: 'invalid_credentials' | 'inactive' }

/**
 * Checks a password against an account (null: no such user). An unknown user costs the same
 * bcrypt time as a wrong password and gets the same answer (OWASP ASVS 5.0 V6.3.8). "Inactive" is
 * said only to someone who knows the password. `rehash`: the stored hash was made at another cost
 * than BCRYPT_COST and should be replaced (recordLogin).
 */
export async function checkCredentials(account: Account | null, password: string): Promise<CheckCredentialsResult> {
  const hash = account === null ? null : storedHashes.get(account)!
  if (hash !== null && !isBcryptHash(hash)) {
    console.error(`user ${account!.user.id} has a stored password hash that is not bcrypt: they cannot sign in until the password is set again`)
  }
  if (!(await verifyPassword(password, hash)) || account === null) return { ok: false, reason: 'invalid_credentials' }
  if (account.user.disabled) return { ok: false, reason: 'inactive' }
  return { ok: true, user: account.user, rehash: needsRehash(hash!) }
}

/**
 * The last step of a login, in the transaction that creates its session: true while the account
 * still has the credentials epoch its password was checked under and is enabled, else false (a new
 * password, or disabling, won the race; the login must fail). `rehash`, a new hash of the same
 * password at BCRYPT_COST, replaces the stored one in the same statement, so it can never
 * overwrite a password set meanwhile. The row stays locked until the session exists.
 */
export async function recordLogin(tx: Tx, account: Account, rehash: string | null): Promise<boolean> {
  const rows = await tx
    .update(users)
    .set({ hashedPassword: rehash ?? sql`${users.hashedPassword}`, lastLoginAt: sql`now()` })
    .where(and(eq(users.id, account.user.id), eq(users.credentialsEpoch, account.credentialsEpoch), eq(users.disabled, false)))
    .returning({ id: users.id })
  return rows.length === 1
}

/**
 * Replaces the password of an account checked under its current epoch, and moves the user to the
 * next epoch: every session and device cookie made before dies (the caller ends the sessions in
 * the same transaction). Null when the credentials changed since the account was read.
 */
export async function replacePassword(tx: Tx, account: Account, hashedPassword: string): Promise<number | null> {
  const [row] = await tx
    .update(users)
    .set({ hashedPassword, credentialsEpoch: sql`${users.credentialsEpoch} + 1`, updatedAt: sql`now()` })
    .where(and(eq(users.id, account.user.id), eq(users.credentialsEpoch, account.credentialsEpoch)))
    .returning({ credentialsEpoch: users.credentialsEpoch })
  return row?.credentialsEpoch ?? null
}

export type ProfileChanges = { email?: string | null; fullName?: string | null }

/**
 * Changes the profile, in the caller's transaction, which holds the user's row (lockUser) and
 * says whether the email changes: a new one is no longer verified.
 */
export async function updateProfile(tx: Tx, userId: number, changes: ProfileChanges, emailChanged: boolean): Promise<PublicUser> {
  const [row] = await tx
    .update(users)
    .set({ ...changes, ...(emailChanged ? { emailVerified: false } : {}), updatedAt: sql`now()` })
    .where(eq(users.id, userId))
    .returning(publicUserColumns)
  if (row === undefined) throw new Error(`user ${userId} vanished during a profile update`)
  return toPublicUser(row)
}

/** An account a password reset can reach: enabled, with a verified email. */
export type ResetRecipient = { id: number; username: string; email: string; credentialsEpoch: number }

/**
 * The accounts a reset request names: by username, or every account whose verified email is this
 * address in any letter case (emails are not unique; at most 10). Disabled accounts, unverified
 * emails and admins are never reached (docs/decisions/014-recovery.md; an admin recovers from a
 * terminal, docs/decisions/019-second-factor-and-step-up.md).
 */
export async function findResetRecipients(by: { username: string } | { email: string }): Promise<ResetRecipient[]> {
  const db = await getDb()
  const match =
    'username' in by
      ? UsernameSchema.safeParse(by.username).success
        ? sql`lower(${users.username}) = ${by.username.toLowerCase()}`
        : sql`false`
      : sql`lower(${users.email}) = ${by.email.toLowerCase()}`
  const rows = await db
    .select({ id: users.id, username: users.username, email: users.email, credentialsEpoch: users.credentialsEpoch })
    .from(users)
    .where(and(match, eq(users.emailVerified, true), eq(users.disabled, false), eq(users.role, 'user')))
    .orderBy(users.id)
    .limit(10)
  return rows.filter((row): row is ResetRecipient => row.email !== null)
}

/**
 * Sets a password from a reset link issued under `credentialsEpoch`, and moves the user to the
 * next epoch (every session and device cookie made before dies; a login with the old password
 * inside bcrypt fails). Null, changing nothing, when the credentials changed since the link was
 * issued or the user is disabled.
 */
export async function resetPassword(tx: Tx, userId: number, credentialsEpoch: number, hashedPassword: string): Promise<PublicUser | null> {
  const [row] = await tx
    .update(users)
    .set({ hashedPassword, credentialsEpoch: sql`${users.credentialsEpoch} + 1`, updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), eq(users.credentialsEpoch, credentialsEpoch), eq(users.disabled, false)))
    .returning(publicUserColumns)
  return row === undefined ? null : toPublicUser(row)
}

/** Marks the email verified if the user still has this address; false otherwise. */
export async function markEmailVerified(tx: Tx, userId: number, email: string): Promise<boolean> {
  const rows = await tx
    .update(users)
    .set({ emailVerified: true, updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), eq(users.email, email)))
    .returning({ id: users.id })
  return rows.length === 1
}

/** What the directory shows of a user, beside the public fields. */
export type DirectoryUser = PublicUser & { last_login_at: string | null }

const DIRECTORY_PAGE = 50

/**
 * The directory, newest first: `query` matches a part of the username or email in any letter case;
 * `cursor` is the last id of the previous page.
 */
export async function listUsers(query: string | undefined, cursor: number | undefined): Promise<{ users: DirectoryUser[]; nextCursor: number | null }> {
  const db = await getDb()
  const conditions = []
  if (query !== undefined && query !== '') {
    // LIKE's own characters are matched literally.
    const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`
    conditions.push(or(sql`lower(${users.username}) like ${pattern}`, sql`lower(${users.email}) like ${pattern}`))
  }
  if (cursor !== undefined) conditions.push(lt(users.id, cursor))
  const rows = await db
    .select({ ...publicUserColumns, lastLoginAt: users.lastLoginAt })
    .from(users)
    .where(and(...conditions))
    .orderBy(desc(users.id))
    .limit(DIRECTORY_PAGE + 1)
  const page = rows.slice(0, DIRECTORY_PAGE)
  return {
    users: page.map((row) => ({ ...toPublicUser(row), last_login_at: row.lastLoginAt?.toISOString() ?? null })),
    nextCursor: rows.length > DIRECTORY_PAGE ? page.at(-1)!.id : null,
  }
}

export async function getUser(userId: number): Promise<DirectoryUser | null> {
  const db = await getDb()
  const [row] = await db.select({ ...publicUserColumns, lastLoginAt: users.lastLoginAt }).from(users).where(eq(users.id, userId))
  return row === undefined ? null : { ...toPublicUser(row), last_login_at: row.lastLoginAt?.toISOString() ?? null }
}

/** The user, its row locked (as lockEnabledAdmins) until the caller's transaction ends; null when there is none. */
export async function lockUser(tx: Tx, userId: number): Promise<PublicUser | null> {
  const [row] = await tx.select(publicUserColumns).from(users).where(eq(users.id, userId)).for('no key update')
  return row === undefined ? null : toPublicUser(row)
}

/**
 * Locks the rows of the enabled admins for the caller's transaction and gives their ids: two
 * admins demoting each other at once are serialized, and the second sees the first's change.
 * `FOR NO KEY UPDATE`, like the UPDATE that follows: a full `FOR UPDATE` would also block the
 * foreign-key checks of audit rows written about these users (a refresh, a logout), a deadlock.
 */
export async function lockEnabledAdmins(tx: Tx): Promise<number[]> {
  const rows = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.disabled, false)))
    .orderBy(users.id)
    .for('no key update')
  return rows.map((row) => row.id)
}

/**
 * Disables or enables a user. Disabling moves the user to a new credentials epoch, so that a
 * login inside bcrypt at this moment fails too; the caller ends the sessions in the same
 * transaction.
 */
export async function setDisabled(tx: Tx, userId: number, disabled: boolean): Promise<void> {
  await tx
    .update(users)
    .set({ disabled, updatedAt: sql`now()`, ...(disabled ? { credentialsEpoch: sql`${users.credentialsEpoch} + 1` } : {}) })
    .where(eq(users.id, userId))
}

/** Moves the user to a new credentials epoch (everything made before dies); false when there is none. */
export async function bumpCredentialsEpoch(tx: Tx, userId: number): Promise<boolean> {
  const rows = await tx.update(users).set({ credentialsEpoch: sql`${users.credentialsEpoch} + 1` }).where(eq(users.id, userId)).returning({ id: users.id })
  return rows.length === 1
}

/** Whether any account is an enabled admin (the first-admin offer of a development server, lib/operators/admin.ts). */
export async function hasEnabledAdmin(): Promise<boolean> {
  const db = await getDb()
  const [row] = await db.select({ id: users.id }).from(users).where(and(eq(users.role, 'admin'), eq(users.disabled, false))).limit(1)
  return row !== undefined
}

// Any fixed number: the key of the advisory lock that serializes first-admin claims.
const FIRST_ADMIN_LOCK = 7_215_309_456_114

/**
 * Makes an enabled user admin if no account is an enabled admin yet; false otherwise. Two claims
 * at once take turns under an advisory lock (with no admin row, lockEnabledAdmins locks nothing),
 * so only the first wins.
 */
export async function promoteFirstAdmin(tx: Tx, userId: number): Promise<boolean> {
  await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_ADMIN_LOCK})`)
  if ((await lockEnabledAdmins(tx)).length > 0) return false
  const rows = await tx
    .update(users)
    .set({ role: 'admin', updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), eq(users.disabled, false)))
    .returning({ id: users.id })
  return rows.length === 1
}

export async function setRole(tx: Tx, userId: number, role: Role): Promise<void> {
  await tx.update(users).set({ role, updatedAt: sql`now()` }).where(eq(users.id, userId))
}

