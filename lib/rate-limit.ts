import { and, inArray, gt, lt, sql } from 'drizzle-orm'
import { getDb } from './db'
import { getEnv } from './env'
import { throttles } from './schema'

// Owns the `throttles` table: fixed-window counters of failures per key (a username, a client
// address). In PostgreSQL, so the limits hold across instances and on Vercel, where in-memory
// limiters reset with every cold start. A window lasts THROTTLE_WINDOW_SECONDS, so an attacker can
// delay a real user by at most that long, never lock them out for good (NIST SP 800-63B 5.2.2,
// OWASP ASVS 5.0 V6.3.1, and V6.1.1's "prevent malicious account lockout").

export type Bucket = { key: string; limit: number }

export type Gate = { ok: true } | { ok: false; retryAfter: number }

/** Refuses while any bucket is full; `retryAfter` is the seconds until the last one empties. */
export async function checkBuckets(buckets: Bucket[]): Promise<Gate> {
  if (buckets.length === 0) return { ok: true }
  const db = await getDb()
  const rows = await db
    .select({
      key: throttles.key,
      hits: throttles.hits,
      secondsLeft: sql<number>`ceil(extract(epoch from ${throttles.resetAt} - now()))::int`,
    })
    .from(throttles)
    .where(and(inArray(throttles.key, buckets.map((bucket) => bucket.key)), gt(throttles.resetAt, sql`now()`)))
  const full = rows.filter((row) => row.hits >= (buckets.find((bucket) => bucket.key === row.key)?.limit ?? Infinity))
  if (full.length === 0) return { ok: true }
  return { ok: false, retryAfter: Math.max(1, ...full.map((row) => row.secondsLeft)) }
}

/** Counts one event in each bucket (a new window starts when the old one has passed). */
export async function hitBuckets(buckets: Bucket[]): Promise<void> {
  if (buckets.length === 0) return
  const db = await getDb()
  const window = sql`now() + make_interval(secs => ${getEnv().THROTTLE_WINDOW_SECONDS})`
  await db
    .insert(throttles)
    .values(buckets.map((bucket) => ({ key: bucket.key, hits: 1, resetAt: window })))
    .onConflictDoUpdate({
      target: throttles.key,
      set: {
        hits: sql`case when ${throttles.resetAt} <= now() then 1 else ${throttles.hits} + 1 end`,
        resetAt: sql`case when ${throttles.resetAt} <= now() then ${window} else ${throttles.resetAt} end`,
      },
    })
  // Old counters are cleaned up as new ones are written: a bounded delete, no scheduler needed.
  const stale = db.select({ key: throttles.key }).from(throttles).where(lt(throttles.resetAt, sql`now()`)).limit(100)
  await db.delete(throttles).where(inArray(throttles.key, stale))
}

export async function clearBucket(key: string): Promise<void> {
  const db = await getDb()
  await db.delete(throttles).where(inArray(throttles.key, [key]))
}

/** "Try again in 14 minutes." for a 429's detail. */
export function retryMessage(retryAfter: number): string {
  const when = retryAfter < 90 ? `${retryAfter} seconds` : `${Math.ceil(retryAfter / 60)} minutes`
  return `Too many attempts. Try again in ${when}.`
}
