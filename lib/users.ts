import { eq, sql } from 'drizzle-orm'
import { getDb } from './db'
import { hashPassword, verifyPassword } from './password'
import { users } from './schema'
import { endOtherSessions } from './sessions'
import { UsernameSchema } from './validation'

// Owns the `users` table. The password hash never leaves this module except toward lib/password.ts.

export type Role = 'user' | 'admin'

export type PublicUser = {
  id: number
  username: string
  email: string | null
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
    full_name: row.fullName,
    disabled: row.disabled,
    role: row.role,
    created_at: row.createdAt.toISOString(),
  }
}

export type NewUser = {
  username: string
  password: string
  email?: string | null
  fullName?: string | null
  role?: Role
}

export type CreateUserResult = { ok: true; user: PublicUser } | { ok: false; reason: 'username_taken' }

/** Creates a user; a username taken in any letter case is refused by the unique index, race-free. */
export async function createUser(input: NewUser): Promise<CreateUserResult> {
  const hashedPassword = await hashPassword(input.password)
  const db = await getDb()
  const rows = await db
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
  const row = rows[0]
  return row === undefined ? { ok: false, reason: 'username_taken' } : { ok: true, user: toPublicUser(row) }
}

export type CheckCredentialsResult =
  | { ok: true; user: PublicUser }
  | { ok: false; reason: 'invalid_credentials' | 'inactive' }

/**
 * Checks a username and password. An unknown user costs the same bcrypt time as a wrong password
 * and gets the same answer (OWASP ASVS 5.0 V6.3.8). "Inactive" is said only to someone who knows
 * the password.
 */
export async function checkCredentials(username: string, password: string): Promise<CheckCredentialsResult> {
  // A name no account can have is not looked up (no "admİn" that the database lower-cases to
  // "admin" while the throttle keys it apart); it still costs the same bcrypt time.
  const row = UsernameSchema.safeParse(username).success ? await findByUsername(username) : undefined
  const valid = await verifyPassword(password, row?.hashedPassword ?? null)
  if (row === undefined || !valid) return { ok: false, reason: 'invalid_credentials' }
  if (row.disabled) return { ok: false, reason: 'inactive' }
  return { ok: true, user: toPublicUser(row) }
}

async function findByUsername(username: string) {
  const db = await getDb()
  // Usernames are ASCII (UsernameSchema), so lower-casing here and in PostgreSQL agree.
  const [row] = await db
    .select({ ...publicUserColumns, hashedPassword: users.hashedPassword })
    .from(users)
    .where(sql`lower(${users.username}) = ${username.toLowerCase()}`)
  return row
}

export type ChangePasswordResult = { ok: true } | { ok: false; reason: 'wrong_password' }

/**
 * Sets a new password after checking the current one, and in the same transaction ends every
 * other session of the user (OWASP ASVS 5.0 V7.4.3): whoever knew the old password is out.
 */
export async function changePassword(
  userId: number,
  keepSessionId: string,
  currentPassword: string,
  newPassword: string,
): Promise<ChangePasswordResult> {
  const db = await getDb()
  const [row] = await db.select({ hashedPassword: users.hashedPassword }).from(users).where(eq(users.id, userId))
  if (!(await verifyPassword(currentPassword, row?.hashedPassword ?? null))) return { ok: false, reason: 'wrong_password' }
  const hashedPassword = await hashPassword(newPassword)
  await db.transaction(async (tx) => {
    await tx.update(users).set({ hashedPassword, updatedAt: sql`now()` }).where(eq(users.id, userId))
    await endOtherSessions(tx, userId, keepSessionId, 'password_change')
  })
  return { ok: true }
}

export type ProfileChanges = { email?: string | null; fullName?: string | null }

export async function updateProfile(userId: number, changes: ProfileChanges): Promise<PublicUser> {
  const db = await getDb()
  const [row] = await db
    .update(users)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(users.id, userId))
    .returning(publicUserColumns)
  if (row === undefined) throw new Error(`user ${userId} vanished during a profile update`)
  return toPublicUser(row)
}
