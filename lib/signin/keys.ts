import { createHash, randomBytes } from 'node:crypto'
import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm'
import type { Client } from '../request/client'
import { type Db, type Tx, getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { recordAttempt, recordEvent, recordOncePerWindow } from '../accounts/audit'
import { afterResponse } from '../platform/background'
import { takeAttempt } from '../request/rate-limit'
import { apiKeys, secondFactors, users } from '../platform/schema'
import { type MfaStatus, mfaStatusColumns, toMfaStatus } from '../accounts/second-factor'
import { isSessionUsable } from './sessions'
import { type PublicUser, lockUser, publicUserColumns, toPublicUser } from '../accounts/users'
import type { KeyScope } from '../credentials/validation'

// Owns the `api_keys` table: personal access tokens for scripts (docs/decisions/010-personal-
// access-tokens.md). A key is `pgk_` and 32 random bytes in base64url; only its SHA-256 is stored,
// so a copy of the database holds nothing that works as a key. Deleting the row ends the key on
// every instance at once: each request looks it up.

export const KEY_PREFIX = 'pgk_'
const KEY_PATTERN = /^pgk_[A-Za-z0-9_-]{43}$/
/** Keys one user may hold, expired ones included until deleted. */
export const MAX_KEYS = 50

export type KeyInfo = {
  id: string
  name: string
  scopes: KeyScope[]
  prefix: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
}

export type NewKey = Omit<KeyInfo, 'last_used_at'> & { key: string }

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** True for a bearer value that is meant as a key rather than an access token (a JWT). */
export function looksLikeKey(bearer: string): boolean {
  return bearer.startsWith(KEY_PREFIX)
}

const infoColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  scopes: apiKeys.scopes,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  lastUsedAt: apiKeys.lastUsedAt,
}

function toKeyInfo(row: { id: string; name: string; scopes: string[]; prefix: string; createdAt: Date; expiresAt: Date | null; lastUsedAt: Date | null }): KeyInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes as KeyScope[],
    prefix: row.prefix,
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  }
}

/** Keys a user may create per throttle window: bounds the audit rows a create-delete loop writes. */
const KEY_CREATIONS_PER_WINDOW = 60

export type CreateKeyResult =
  | { ok: true; key: NewKey }
  | { ok: false; reason: 'too_many' | 'session_ended' }
  | { ok: false; reason: 'throttled'; retryAfter: number }

/**
 * A new key for the caller's session, shown to them this once; audited without the key. The
 * session is checked again under the user's row lock: a request that passed authentication just
 * before its user was disabled (or its session ended) must not leave a key that enabling the
 * user would bring back.
 */
export async function createKey(
  session: { userId: number; sessionId: string },
  input: { name: string; scopes: KeyScope[]; expires_in_days?: number | null },
  client: Client,
): Promise<CreateKeyResult> {
  const { userId } = session
  const gate = await takeAttempt([{ key: `keys:created:${userId}`, limit: KEY_CREATIONS_PER_WINDOW }])
  if (!gate.ok) return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  const key = KEY_PREFIX + randomBytes(32).toString('base64url')
  const prefix = key.slice(0, KEY_PREFIX.length + 8)
  const expiresAt = input.expires_in_days == null ? null : new Date(Date.now() + input.expires_in_days * 24 * 60 * 60 * 1000)
  const db = await getDb()
  return db.transaction(async (tx): Promise<CreateKeyResult> => {
    // The user's row is locked while counting, so concurrent requests cannot pass MAX_KEYS.
    await lockUser(tx, userId)
    if (!(await isSessionUsable(tx, session.sessionId, userId))) return { ok: false, reason: 'session_ended' }
    const [counted] = await tx.select({ count: sql<number>`count(*)::int` }).from(apiKeys).where(eq(apiKeys.userId, userId))
    if (counted!.count >= MAX_KEYS) return { ok: false, reason: 'too_many' }
    const [row] = await tx
      .insert(apiKeys)
      .values({ userId, name: input.name, scopes: input.scopes, prefix, keyHash: hashKey(key), expiresAt })
      .returning(infoColumns)
    const info = toKeyInfo(row!)
    await recordEvent(tx, {
      kind: 'key_created',
      actorId: userId,
      targetId: userId,
      client,
      detail: { key_id: info.id, name: info.name, prefix, scopes: info.scopes.join(' '), expires_at: info.expires_at },
    })
    const { last_used_at: _, ...shown } = info
    return { ok: true, key: { ...shown, key } }
  })
}

/** The user's keys, oldest first; never the key itself. */
export async function listKeys(userId: number): Promise<KeyInfo[]> {
  const db = await getDb()
  const rows = await db.select(infoColumns).from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
  return rows.map(toKeyInfo)
}

/** Ends one of the user's keys; false when they have no such key. */
export async function deleteKey(userId: number, keyId: string, client: Client): Promise<boolean> {
  const db = await getDb()
  return db.transaction(async (tx) => {
    const [row] = await tx
      .delete(apiKeys)
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId)))
      .returning({ name: apiKeys.name, prefix: apiKeys.prefix })
    if (row === undefined) return false
    await recordEvent(tx, { kind: 'key_deleted', actorId: userId, targetId: userId, client, detail: { key_id: keyId, name: row.name, prefix: row.prefix } })
    return true
  })
}

/** Ends every key of a user inside the caller's transaction (disabling); gives the number ended. */
export async function endUserKeys(tx: Tx, userId: number): Promise<number> {
  const rows = await tx.delete(apiKeys).where(eq(apiKeys.userId, userId)).returning({ id: apiKeys.id })
  return rows.length
}

/** How stale `last_used_at` may get before a request refreshes it: one write a minute at most. */
const LAST_USED_RESOLUTION_SECONDS = 60

// Built once per database client, like the session lookup: it runs on every request with a key.
function prepareKeyUser(db: Db) {
  return db
    .select({ ...publicUserColumns, ...mfaStatusColumns, keyId: apiKeys.id, scopes: apiKeys.scopes, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(secondFactors, eq(secondFactors.userId, users.id))
    .where(and(eq(apiKeys.keyHash, sql.placeholder('keyHash')), eq(users.disabled, false), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`))))
    .prepare('key_user')
}

const keyUserQueries = new WeakMap<Db, ReturnType<typeof prepareKeyUser>>()

type FoundKey = { user: PublicUser; mfa: MfaStatus; keyId: string; scopes: KeyScope[]; lastUsedAt: Date | null }

export type KeyLookup =
  | ({ ok: true } & FoundKey)
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfter: number }

/**
 * The user and scopes behind a key, if it is live (not deleted, not expired, its user enabled).
 * Failed lookups are counted per client address in this process's memory and, past the limit,
 * refused before the database is asked: a flood of made-up keys costs no queries. Lookups in
 * flight are capped per address too, so a parallel burst cannot outrun the count. (Guessing is
 * hopeless anyway, with 256 random bits; the limit protects the database, so it needs no shared
 * state.) A caller whose address is unknown is not limited, as logins are not: one bucket for all
 * of them would let one lock the others out.
 */
export async function lookUpKey(key: string, client: Client): Promise<KeyLookup> {
  const address = client.ip
  if (address !== null) {
    const retryAfter = lookups.retryAfter(address)
    if (retryAfter !== null) {
      // Once per window and address (and process), without a query for the others: the refusals
      // of a flood cost nothing.
      if (lookups.firstRefusal(address)) afterResponse('audit of refused keys', () => recordAttempt({ kind: 'throttled', client, detail: { action: 'key_lookup' } }))
      return { ok: false, reason: 'throttled', retryAfter }
    }
  }
  const done = address === null ? () => {} : lookups.start(address)
  let found: Awaited<ReturnType<typeof findKeyUser>>
  try {
    found = KEY_PATTERN.test(key) ? await findKeyUser(hashKey(key)) : null
  } finally {
    done()
  }
  if (found === null) {
    // Recorded once per window and address, with a count, never any part of the key; after the
    // answer, which must not wait for (nor fail with) the database.
    if (address !== null) {
      const window = `keys:failed:${address}@${lookups.fail(address)}`
      afterResponse('audit of unknown keys', () => recordOncePerWindow({ kind: 'key_rejected', client }, window))
    }
    return { ok: false, reason: 'invalid' }
  }
  return { ok: true, ...found }
}

async function findKeyUser(keyHash: string): Promise<FoundKey | null> {
  const db = await getDb()
  let query = keyUserQueries.get(db)
  if (query === undefined) keyUserQueries.set(db, (query = prepareKeyUser(db)))
  const [row] = await query.execute({ keyHash })
  return row === undefined ? null : { user: toPublicUser(row), mfa: toMfaStatus(row), keyId: row.keyId, scopes: row.scopes as KeyScope[], lastUsedAt: row.lastUsedAt }
}

/** Marks a key used, once the request it came with was let in (a key refused for its scope was not used). */
export async function markKeyUsed(found: FoundKey): Promise<void> {
  if (found.lastUsedAt !== null && Date.now() - found.lastUsedAt.getTime() <= LAST_USED_RESOLUTION_SECONDS * 1000) return
  const db = await getDb()
  // Guarded in SQL too, so that several instances write at most about once a minute between them.
  await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, found.keyId),
        or(isNull(apiKeys.lastUsedAt), sql`${apiKeys.lastUsedAt} < now() - make_interval(secs => ${LAST_USED_RESOLUTION_SECONDS})`),
      ),
    )
}

/**
 * Per address, in memory: fixed-window counts of failed key lookups, and the lookups in flight.
 * On globalThis, since Next may load this module once per route bundle, and one count must serve
 * them all. Bounded: past MAX_ADDRESSES the oldest windows are forgotten first (a Map keeps
 * insertion order).
 */
const MAX_ADDRESSES = 10_000
/** Lookups one address may have waiting on the database at once. */
const MAX_IN_FLIGHT = 100

type FailureWindow = { hits: number; resetAt: number; refusalRecorded: boolean }
type LookupState = { failures: Map<string, FailureWindow>; inFlight: Map<string, number> }
const globalForKeys = globalThis as unknown as { keyLookups?: LookupState }

const lookups = {
  get state(): LookupState {
    return (globalForKeys.keyLookups ??= { failures: new Map(), inFlight: new Map() })
  },
  window(address: string): FailureWindow | undefined {
    const window = lookups.state.failures.get(address)
    if (window === undefined || window.resetAt > Date.now()) return window
    lookups.state.failures.delete(address)
    return undefined
  },
  /** Seconds to wait, when the address has failed too often or has too many lookups waiting. */
  retryAfter(address: string): number | null {
    const window = lookups.window(address)
    if (window !== undefined && window.hits >= getEnv().THROTTLE_KEY_FAILURES_PER_IP) return Math.max(1, Math.ceil((window.resetAt - Date.now()) / 1000))
    return (lookups.state.inFlight.get(address) ?? 0) >= MAX_IN_FLIGHT ? 1 : null
  },
  /** Counts a lookup in flight; the function given back ends it. */
  start(address: string): () => void {
    const { inFlight } = lookups.state
    inFlight.set(address, (inFlight.get(address) ?? 0) + 1)
    return () => {
      const left = inFlight.get(address)! - 1
      if (left === 0) inFlight.delete(address)
      else inFlight.set(address, left)
    }
  },
  /** Counts a failure; gives when its window ends (which names the window). */
  fail(address: string): number {
    const window = lookups.window(address)
    if (window !== undefined) {
      window.hits += 1
      return window.resetAt
    }
    const { failures } = lookups.state
    const resetAt = Date.now() + getEnv().THROTTLE_WINDOW_SECONDS * 1000
    failures.set(address, { hits: 1, resetAt, refusalRecorded: false })
    for (const oldest of failures.keys()) {
      if (failures.size <= MAX_ADDRESSES) break
      failures.delete(oldest)
    }
    return resetAt
  },
  /** True for the first refusal in the address's failure window (refusals for lookups in flight alone, before any failure, are not recorded). */
  firstRefusal(address: string): boolean {
    const window = lookups.window(address)
    if (window === undefined || window.refusalRecorded) return false
    window.refusalRecorded = true
    return true
  },
}
