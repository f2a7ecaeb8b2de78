import { type SQL, and, desc, eq, gt, inArray, isNull, lt, ne, sql } from 'drizzle-orm'
import type { Client } from '../request/client'
import { type Db, type Tx, getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { recordEvent } from '../accounts/audit'
import { secondFactors, sessions, users } from '../platform/schema'
import { type MfaStatus, mfaStatusColumns, toMfaStatus } from '../accounts/second-factor'
import { type PublicUser, publicUserColumns, toPublicUser } from '../accounts/users'

// Owns the `sessions` table. Every login is a row; a token is honoured only while its row is live
// (not ended, not past its absolute lifetime), its user enabled, and the user's credentials
// unchanged since it began. PostgreSQL is the only shared state, so ending a session takes effect
// at once on every instance.

export type EndReason =
  | 'logout'
  | 'password_change'
  | 'revoked'
  | 'refresh_token_reuse'
  | 'evicted'
  | 'disabled'
  | 'ended_by_admin'
  | 'password_reset'
  | 'second_factor_reset'

/** How a user proved who they are (RFC 8176): a password, a TOTP code, a recovery code, a passkey. */
export type Amr = 'pwd' | 'otp' | 'recovery' | 'passkey'

/** A user has at most this many live sessions: the least recently used ends when one more begins. */
const MAX_LIVE_SESSIONS = 50

const live = () => and(isNull(sessions.endedAt), gt(sessions.expiresAt, sql`now()`))
/**
 * The condition for any token of the session to be honoured: live, its user enabled, and made
 * under the user's current credentials epoch (a login that checked a password replaced while it
 * was inside bcrypt made a session that is dead on arrival).
 */
const usable = () => and(live(), eq(users.disabled, false), eq(sessions.credentialsEpoch, users.credentialsEpoch))

function clientColumns(client: Client) {
  return { userAgent: client.userAgent?.slice(0, 512) ?? null, ip: client.ip?.slice(0, 64) ?? null }
}

/**
 * A new session under `credentialsEpoch`, proved by `amr`, inside the login's transaction (which
 * holds the user's row, so a user's logins are serialized). Beyond MAX_LIVE_SESSIONS the least
 * recently used end; sessions that ended or expired SESSION_RETENTION_DAYS ago are deleted, a
 * bounded batch at a time.
 */
export async function createSession(tx: Tx, userId: number, credentialsEpoch: number, amr: Amr[], client: Client): Promise<{ id: string; expiresAt: Date }> {
  const env = getEnv()
  const lifetimeMs = env.REFRESH_TOKEN_EXPIRE_DAYS * 24 * 60 * 60 * 1000
  const [row] = await tx
    .insert(sessions)
    .values({ userId, credentialsEpoch, amr, expiresAt: new Date(Date.now() + lifetimeMs), ...clientColumns(client) })
    .returning({ id: sessions.id, expiresAt: sessions.expiresAt })
  if (row === undefined) throw new Error('insert into sessions returned no row')
  const surplus = tx
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), live()))
    .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt))
    .offset(MAX_LIVE_SESSIONS)
  const evicted = await endSessions(tx, inArray(sessions.id, surplus), 'evicted')
  if (evicted > 0) await recordEvent(tx, { kind: 'session_ended', actorId: userId, targetId: userId, client, detail: { reason: 'evicted', count: evicted } })
  const retired = sql`coalesce(${sessions.endedAt}, ${sessions.expiresAt})`
  const cutoff = sql`now() - make_interval(days => ${env.SESSION_RETENTION_DAYS})`
  const old = tx.select({ id: sessions.id }).from(sessions).where(lt(retired, cutoff)).limit(100).for('update', { skipLocked: true })
  await tx.delete(sessions).where(and(inArray(sessions.id, old), lt(retired, cutoff)))
  return row
}

/** How stale `last_used_at` may get before a request refreshes it: one write a minute at most. */
const LAST_USED_RESOLUTION_MS = 60_000

// The query behind every authenticated request, built once per database client (drizzle's
// prepare): only the two values change, and building the SQL anew each time cost about a third of
// the request's database work.
function prepareSessionUser(db: Db) {
  return db
    .select({ ...publicUserColumns, ...mfaStatusColumns, lastUsedAt: sessions.lastUsedAt, authTime: sessions.authTime, amr: sessions.amr })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(secondFactors, eq(secondFactors.userId, users.id))
    .where(and(eq(sessions.id, sql.placeholder('sessionId')), eq(sessions.userId, sql.placeholder('userId')), usable()))
    .prepare('session_user')
}

const sessionUserQueries = new WeakMap<Db, ReturnType<typeof prepareSessionUser>>()

/**
 * True while the session can still act for its user, checked inside the caller's transaction
 * after it locked the user's row: a change that ends sessions (disabling, a new password, an
 * admin ending them) either committed before, and this sees it, or waits for the caller.
 */
export async function isSessionUsable(tx: Tx, sessionId: string, userId: number): Promise<boolean> {
  const rows = await tx
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), usable()))
  return rows.length > 0
}

/** A usable session's user, when and how they last proved who they are, and their second factor. */
export type SessionUser = { user: PublicUser; authTime: Date; amr: Amr[]; mfa: MfaStatus }

/** The session's user if the session is usable: one query for all of it. */
export async function getSessionUser(sessionId: string, userId: number): Promise<SessionUser | null> {
  const db = await getDb()
  let query = sessionUserQueries.get(db)
  if (query === undefined) sessionUserQueries.set(db, (query = prepareSessionUser(db)))
  const [row] = await query.execute({ sessionId, userId })
  if (row === undefined) return null
  if (Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.update(sessions).set({ lastUsedAt: sql`now()` }).where(eq(sessions.id, sessionId))
  }
  return { user: toPublicUser(row), authTime: row.authTime, amr: row.amr as Amr[], mfa: toMfaStatus(row) }
}

/** A step-up: the user proved who they are again in this session, by `amr`; false when it is no longer usable. */
export async function markReauthenticated(tx: Tx, sessionId: string, userId: number, amr: Amr[]): Promise<boolean> {
  if (!(await isSessionUsable(tx, sessionId, userId))) return false
  await tx.update(sessions).set({ authTime: sql`now()`, amr }).where(eq(sessions.id, sessionId))
  return true
}

export type RefreshResult =
  | { ok: true; sessionId: string; user: PublicUser; generation: number; expiresAt: Date }
  | { ok: false; reason: 'invalid' | 'reused' }

/**
 * Rotates a session's refresh token from `generation` to the next (RFC 9700 section 4.14.2,
 * OWASP ASVS 5.0 V10.4.5).
 * - The current generation rotates.
 * - The one just replaced, within the grace window, gets the same successor again and writes
 *   nothing: two tabs refreshing at once must not sign the user out.
 * - Any older one is reuse, the sign of a stolen token: the whole session ends, for the thief and
 *   the victim alike, and nothing else is written.
 * The row is locked, so concurrent refreshes of one session are serialized.
 */
export async function rotateRefreshToken(sessionId: string, generation: number, client: Client): Promise<RefreshResult> {
  // A second try when the session looked unusable: a password change made in this very session
  // moves it to the new epoch while the first try's join still sees the user's old one.
  const first = await rotateOnce(sessionId, generation, client)
  return first.ok || first.reason !== 'invalid' ? first : rotateOnce(sessionId, generation, client)
}

async function rotateOnce(sessionId: string, generation: number, client: Client): Promise<RefreshResult> {
  const db = await getDb()
  const graceMs = getEnv().REFRESH_REUSE_GRACE_SECONDS * 1000
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        ...publicUserColumns,
        generation: sessions.refreshGeneration,
        refreshedAt: sessions.refreshedAt,
        expiresAt: sessions.expiresAt,
        now: sql<Date>`now()`.mapWith(sessions.createdAt),
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, sessionId), usable()))
      .for('update', { of: sessions })
    if (row === undefined || generation > row.generation) return { ok: false, reason: 'invalid' }
    const base = { ok: true, sessionId, user: toPublicUser(row), expiresAt: row.expiresAt } as const
    if (generation === row.generation) {
      await tx
        .update(sessions)
        .set({ refreshGeneration: generation + 1, refreshedAt: sql`now()`, lastUsedAt: sql`now()`, ...clientColumns(client) })
        .where(eq(sessions.id, sessionId))
      await recordEvent(tx, { kind: 'token_refreshed', actorId: row.id, targetId: row.id, client, detail: { session_id: sessionId, generation: generation + 1 } })
      return { ...base, generation: generation + 1 }
    }
    const sinceRotation = row.refreshedAt === null ? Infinity : row.now.getTime() - row.refreshedAt.getTime()
    if (generation === row.generation - 1 && sinceRotation <= graceMs) return { ...base, generation: row.generation }
    await endSessions(tx, eq(sessions.id, sessionId), 'refresh_token_reuse')
    await recordEvent(tx, { kind: 'refresh_token_reused', targetId: row.id, client, detail: { session_id: sessionId, generation } })
    return { ok: false, reason: 'reused' }
  })
}

async function endSessions(tx: Tx, where: SQL | undefined, reason: EndReason): Promise<number> {
  const ended = await tx
    .update(sessions)
    .set({ endedAt: sql`now()`, endReason: reason })
    .where(and(where, isNull(sessions.endedAt)))
    .returning({ id: sessions.id })
  return ended.length
}

/** Logout (OWASP ASVS 5.0 V7.4.1): the session is ended in the database, so every token dies. */
export async function endSession(userId: number, sessionId: string, client: Client): Promise<void> {
  const db = await getDb()
  await db.transaction(async (tx) => {
    await endSessions(tx, eq(sessions.id, sessionId), 'logout')
    await recordEvent(tx, { kind: 'logout', actorId: userId, targetId: userId, client, detail: { session_id: sessionId } })
  })
}

/** Ends one of the user's own sessions; false when there is no such live session of theirs. */
export async function endOwnSession(userId: number, sessionId: string, client: Client): Promise<boolean> {
  const db = await getDb()
  return db.transaction(async (tx) => {
    const ended = await endSessions(tx, and(eq(sessions.id, sessionId), eq(sessions.userId, userId), live()), 'revoked')
    if (ended > 0) await recordEvent(tx, { kind: 'session_ended', actorId: userId, targetId: userId, client, detail: { session_id: sessionId } })
    return ended > 0
  })
}

/**
 * Ends every session of a user but `keep`, inside the caller's transaction (the one that moved the
 * user to `credentialsEpoch`), and moves `keep` to the new epoch so that it stays usable. Gives
 * the number ended.
 */
export async function endOtherSessions(tx: Tx, userId: number, keep: string, reason: EndReason, credentialsEpoch: number): Promise<number> {
  const ended = await endSessions(tx, and(eq(sessions.userId, userId), ne(sessions.id, keep)), reason)
  await tx.update(sessions).set({ credentialsEpoch }).where(and(eq(sessions.id, keep), eq(sessions.userId, userId)))
  return ended
}

/** Ends every session of a user, inside the caller's transaction; gives the number ended. */
export async function endUserSessions(tx: Tx, userId: number, reason: EndReason): Promise<number> {
  return endSessions(tx, eq(sessions.userId, userId), reason)
}

/** How many usable sessions each of these users has. */
export async function countLiveSessions(userIds: number[]): Promise<Map<number, number>> {
  if (userIds.length === 0) return new Map()
  const db = await getDb()
  const rows = await db
    .select({ userId: sessions.userId, count: sql<number>`count(*)::int` })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(inArray(sessions.userId, userIds), usable()))
    .groupBy(sessions.userId)
  return new Map(rows.map((row) => [row.userId, row.count]))
}

export type SessionInfo = {
  id: string
  created_at: string
  last_used_at: string
  expires_at: string
  auth_time: string
  amr: Amr[]
  user_agent: string | null
  ip: string | null
  current: boolean
}

/**
 * The user's usable sessions, most recently used first; `current` marks the caller's own (V7.5.2).
 * At most MAX_LIVE_SESSIONS exist.
 */
export async function listSessions(userId: number, currentSessionId: string): Promise<SessionInfo[]> {
  const db = await getDb()
  const rows = await db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      expiresAt: sessions.expiresAt,
      authTime: sessions.authTime,
      amr: sessions.amr,
      userAgent: sessions.userAgent,
      ip: sessions.ip,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.userId, userId), usable()))
    .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt))
    .limit(MAX_LIVE_SESSIONS)
  return rows.map((row) => ({
    id: row.id,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
    auth_time: row.authTime.toISOString(),
    amr: row.amr as Amr[],
    user_agent: row.userAgent,
    ip: row.ip,
    current: row.id === currentSessionId,
  }))
}
