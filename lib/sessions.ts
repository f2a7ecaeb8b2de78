import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import { getDb } from './db'
import { getEnv } from './env'
import { sessions, users } from './schema'
import { type PublicUser, publicUserColumns, toPublicUser } from './users'

// Owns the `sessions` table. Every login is a row; a token is honoured only while its row is live
// (not ended, not past its absolute lifetime) and its user enabled.

export type ClientInfo = { userAgent: string | null; ip: string | null }

export async function createSession(userId: number, client: ClientInfo): Promise<{ id: string }> {
  const db = await getDb()
  const lifetimeMs = getEnv().REFRESH_TOKEN_EXPIRE_DAYS * 24 * 60 * 60 * 1000
  const [row] = await db
    .insert(sessions)
    .values({
      userId,
      expiresAt: new Date(Date.now() + lifetimeMs),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip?.slice(0, 64) ?? null,
    })
    .returning({ id: sessions.id })
  if (row === undefined) throw new Error('insert into sessions returned no row')
  return row
}

/** The session's user if the session is live and the user enabled: one query for both. */
export async function getSessionUser(sessionId: string, userId: number): Promise<PublicUser | null> {
  const db = await getDb()
  const [row] = await db
    .select(publicUserColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.userId, userId),
        isNull(sessions.endedAt),
        gt(sessions.expiresAt, sql`now()`),
        eq(users.disabled, false),
      ),
    )
  return row === undefined ? null : toPublicUser(row)
}

export async function endSession(sessionId: string): Promise<void> {
  const db = await getDb()
  await db
    .update(sessions)
    .set({ endedAt: sql`now()` })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.endedAt)))
}
