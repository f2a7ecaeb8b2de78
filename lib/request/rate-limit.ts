import { and, asc, gt, inArray, lt, sql } from 'drizzle-orm'
import { type Tx, getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { throttles } from '../platform/schema'
import { fingerprint } from '../credentials/tokens'

// Owns the `throttles` table: fixed-window counters of attempts per key (a username, a client
// address). In PostgreSQL, so the limits hold across instances and on Vercel, where in-memory
// limiters reset with every cold start. A window lasts THROTTLE_WINDOW_SECONDS and is never
// extended, so a real user is delayed by at most that long (NIST SP 800-63B 5.2.2, OWASP ASVS 5.0
// V6.3.1, and V6.1.1's "prevent malicious account lockout").

export type Bucket = { key: string; limit: number }

/**
 * A refusal names the window that refused it (`window`: the bucket and when its window ends), so
 * that it is recorded once per window rather than once per request (lib/accounts/audit.ts recordRefusal).
 */
export type Gate = { ok: true } | { ok: false; retryAfter: number; window: string }

/**
 * The key of a bucket counted by text a caller typed (a username, an email address asked about):
 * its fingerprint, so that the table never holds the text, which may be a password typed into the
 * wrong field.
 */
export function typedKey(prefix: string, typed: string): string {
  return `${prefix}:${fingerprint(typed.toLowerCase())}`
}

/** The throttle key that counts a username's consecutive failed logins (the 100-failure lock-out). */
export function lockoutKey(username: string): string {
  return typedKey('login:failures', username)
}

/** The throttle key that counts guesses at a username from clients without its device cookie. */
export function guessesKey(username: string): string {
  return typedKey('login:user', username)
}

const windowOf = (key: string, resetAt: Date): string => `${key}@${resetAt.getTime()}`

/**
 * Counts an attempt in every bucket, in one atomic statement, before the work it guards: a burst
 * of concurrent requests cannot all slip under the limit. Refused when any bucket is over its
 * limit; `retryAfter` is the seconds until the last such window ends.
 */
export async function takeAttempt(buckets: Bucket[]): Promise<Gate> {
  if (buckets.length === 0) return { ok: true }
  const db = await getDb()
  const window = sql`now() + make_interval(secs => ${getEnv().THROTTLE_WINDOW_SECONDS})`
  // Sorted keys: concurrent statements lock the same rows in the same order (no deadlock).
  const sorted = [...buckets].sort((a, b) => a.key.localeCompare(b.key))
  const rows = await db
    .insert(throttles)
    .values(sorted.map((bucket) => ({ key: bucket.key, hits: 1, resetAt: window })))
    .onConflictDoUpdate({
      target: throttles.key,
      set: {
        hits: sql`case when ${throttles.resetAt} <= now() then 1 else ${throttles.hits} + 1 end`,
        resetAt: sql`case when ${throttles.resetAt} <= now() then ${window} else ${throttles.resetAt} end`,
      },
    })
    .returning({
      key: throttles.key,
      hits: throttles.hits,
      resetAt: throttles.resetAt,
      secondsLeft: sql<number>`ceil(extract(epoch from ${throttles.resetAt} - now()))::int`,
    })
  await deleteExpired()
  const over = rows.filter((row) => row.hits > (sorted.find((bucket) => bucket.key === row.key)?.limit ?? Infinity))
  if (over.length === 0) return { ok: true }
  const last = over.reduce((a, b) => (b.secondsLeft > a.secondsLeft ? b : a))
  return { ok: false, retryAfter: Math.max(1, last.secondsLeft), window: windowOf(last.key, last.resetAt) }
}

/** The hits of buckets whose window is still open, without counting anything; absent ones are 0. */
export async function readBuckets(keys: string[]): Promise<Map<string, { hits: number; retryAfter: number; window: string }>> {
  const db = await getDb()
  const rows = await db
    .select({
      key: throttles.key,
      hits: throttles.hits,
      resetAt: throttles.resetAt,
      retryAfter: sql<number>`greatest(1, ceil(extract(epoch from ${throttles.resetAt} - now())))::int`,
    })
    .from(throttles)
    .where(and(inArray(throttles.key, keys), gt(throttles.resetAt, sql`now()`)))
  return new Map(rows.map((row) => [row.key, { hits: row.hits, retryAfter: row.retryAfter, window: windowOf(row.key, row.resetAt) }]))
}

/**
 * Counts one more in a run of consecutive events (failed logins of an account) and gives the run's
 * length. Unlike a window, the run is forgotten only after `forgetAfterSeconds` without a new
 * event, or when cleared (a success).
 */
export async function extendRun(key: string, forgetAfterSeconds: number): Promise<number> {
  const db = await getDb()
  const until = sql`now() + make_interval(secs => ${forgetAfterSeconds})`
  const [row] = await db
    .insert(throttles)
    .values({ key, hits: 1, resetAt: until })
    .onConflictDoUpdate({
      target: throttles.key,
      set: { hits: sql`case when ${throttles.resetAt} <= now() then 1 else ${throttles.hits} + 1 end`, resetAt: until },
    })
    .returning({ hits: throttles.hits })
  return row!.hits
}

/** Gives back the attempt a success used, so that only failures fill the bucket. */
export async function refundAttempt(keys: string[]): Promise<void> {
  if (keys.length === 0) return
  const db = await getDb()
  await db
    .update(throttles)
    .set({ hits: sql`greatest(${throttles.hits} - 1, 0)` })
    .where(inArray(throttles.key, keys))
}

/** Forgets these counters (in the caller's transaction, when given); true if any existed. */
export async function clearBuckets(keys: string[], tx?: Tx): Promise<boolean> {
  if (keys.length === 0) return false
  const db = tx ?? (await getDb())
  const deleted = await db.delete(throttles).where(inArray(throttles.key, keys)).returning({ key: throttles.key })
  return deleted.length > 0
}

/** Old counters go as new ones come: a bounded delete that skips rows others are writing. */
async function deleteExpired(): Promise<void> {
  const db = await getDb()
  const stale = db
    .select({ key: throttles.key })
    .from(throttles)
    .where(lt(throttles.resetAt, sql`now()`))
    .orderBy(asc(throttles.resetAt))
    .limit(100)
    .for('update', { skipLocked: true })
  await db.delete(throttles).where(and(inArray(throttles.key, stale), lt(throttles.resetAt, sql`now()`)))
}

/** "Try again in 14 minutes." for a 429's detail. */
export function retryMessage(retryAfter: number): string {
  const when = retryAfter < 90 ? `${retryAfter} seconds` : `${Math.ceil(retryAfter / 60)} minutes`
  return `Too many attempts. Try again in ${when}.`
}
