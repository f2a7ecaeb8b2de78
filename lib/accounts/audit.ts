import { createHash } from 'node:crypto'
import { type SQL, and, desc, eq, inArray, lt, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import { z } from 'zod'
import type { Client } from '../request/client'
import { type Db, type Tx, getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { logEvent } from '../platform/log'
import { auditEvents, users } from '../platform/schema'
import { UserIdSchema } from '../credentials/validation'

// Owns the `audit_events` table: who did what to which account, from where. A change records its
// event inside its own transaction (a change never happens unrecorded; a rolled-back one leaves no
// row); an event with no change of its own (a failed login) is written on its own. Each event is
// also one JSON log line. Fields are ids, names, reasons and addresses: never a password, token,
// key or hash (OWASP ASVS 5.0 V16.2.5, V16.3.1).

const AUDIT_KINDS = [
  'signed_up',
  'user_created',
  'login_succeeded',
  'login_failed',
  'throttled',
  'locked_out',
  'logout',
  'token_refreshed',
  'refresh_token_reused',
  'password_changed',
  'session_ended',
  'sessions_ended',
  'user_disabled',
  'user_enabled',
  'role_changed',
  'lockout_cleared',
  'key_created',
  'key_deleted',
  'key_rejected',
  'email_changed',
  'email_verification_sent',
  'email_change_notice_sent',
  'email_verified',
  'password_reset_requested',
  'reset_link_created',
  'password_reset',
  'mfa_required',
  'mfa_enabled',
  'mfa_disabled',
  'mfa_reset',
  'recovery_codes_created',
  'recovery_code_used',
  'reauthenticated',
  'reauth_failed',
  'security_notice_sent',
  'passkey_added',
  'passkey_renamed',
  'passkey_removed',
  'passkey_counter_regressed',
] as const

export type AuditKind = (typeof AUDIT_KINDS)[number]

/** `GET /api/audit`: by user (as actor or target), by kind, and the previous page's `next_cursor`. */
export const AuditQuerySchema = z.object({
  user_id: UserIdSchema.optional(),
  kind: z.enum(AUDIT_KINDS).optional(),
  cursor: z.string().regex(/^[1-9]\d{0,15}$/, 'Must be a cursor from a previous page').transform(Number).optional(),
})

/** The kinds a user sees about their own account on /admin. */
const OWN_KINDS: AuditKind[] = ['login_succeeded', 'login_failed', 'locked_out', 'password_changed', 'logout', 'session_ended', 'sessions_ended', 'user_disabled', 'user_enabled', 'role_changed', 'lockout_cleared', 'key_created', 'key_deleted', 'email_changed', 'email_verified', 'password_reset_requested', 'reset_link_created', 'password_reset', 'mfa_enabled', 'mfa_disabled', 'mfa_reset', 'recovery_codes_created', 'recovery_code_used', 'reauthenticated', 'reauth_failed', 'passkey_added', 'passkey_renamed', 'passkey_removed', 'passkey_counter_regressed']

export type AuditDetail = Record<string, string | number | boolean | null>

export type AuditEvent = {
  kind: AuditKind
  /** Who acted: the user themselves, an admin, or null (an anonymous attempt). */
  actorId?: number | null
  /** The account it concerns, when there is one. */
  targetId?: number | null
  client?: Client | null
  detail?: AuditDetail
}

/** Records an event, in the caller's transaction when it records a change. */
export async function recordEvent(db: Db | Tx, event: AuditEvent): Promise<void> {
  await db.insert(auditEvents).values(eventRow(event))
  logLine(event)
}

/** Records an event that changes nothing of its own (a failed login). */
export async function recordAttempt(event: AuditEvent): Promise<void> {
  await recordEvent(await getDb(), event)
}

/**
 * Records a refusal by a throttle (or another event that floods can repeat) once per window
 * (`window`, from the refusing Gate): the first writes the row and the log line, the others only
 * count in its `count`. A flood of refused requests leaves one row a window, not one a request,
 * and cannot bury real events. The window is stored as a hash: it names a throttle key.
 */
export async function recordOncePerWindow(event: AuditEvent, window: string): Promise<void> {
  const db = await getDb()
  const counted = { ...event, detail: { ...event.detail, count: 1 } }
  const [row] = await db
    .insert(auditEvents)
    .values({ ...eventRow(counted), windowKey: createHash('sha256').update(window).digest('base64url') })
    .onConflictDoUpdate({
      target: auditEvents.windowKey,
      targetWhere: sql`${auditEvents.windowKey} is not null`,
      set: { detail: sql`jsonb_set(${auditEvents.detail}, '{count}', to_jsonb(coalesce((${auditEvents.detail}->>'count')::int, 0) + 1))` },
    })
    .returning({ count: sql<number>`(${auditEvents.detail}->>'count')::int` })
  if (row?.count === 1) logLine(counted)
}

/** A request a throttle refused, once per window (recordOncePerWindow). */
export function recordRefusal(event: Omit<AuditEvent, 'kind'>, window: string): Promise<void> {
  return recordOncePerWindow({ ...event, kind: 'throttled' }, window)
}

function eventRow(event: AuditEvent) {
  const client = event.client ?? null
  return {
    kind: event.kind,
    actorId: event.actorId ?? null,
    targetId: event.targetId ?? null,
    ip: client?.ip?.slice(0, 64) ?? null,
    userAgent: client?.userAgent?.slice(0, 512) ?? null,
    detail: event.detail ?? {},
  }
}

function logLine(event: AuditEvent): void {
  logEvent(event.kind, { actor_id: event.actorId ?? null, user_id: event.targetId ?? null, ip: event.client?.ip ?? null, ...event.detail })
}

/** Events older than AUDIT_RETENTION_DAYS go as new logins come: a bounded batch at a time. */
export async function deleteOldEvents(tx: Tx): Promise<void> {
  const cutoff = sql`now() - make_interval(days => ${getEnv().AUDIT_RETENTION_DAYS})`
  const old = tx.select({ id: auditEvents.id }).from(auditEvents).where(lt(auditEvents.at, cutoff)).limit(100).for('update', { skipLocked: true })
  await tx.delete(auditEvents).where(and(inArray(auditEvents.id, old), lt(auditEvents.at, cutoff)))
}

export type AuditEntry = {
  id: number
  at: string
  kind: string
  actor_id: number | null
  actor: string | null
  target_id: number | null
  target: string | null
  ip: string | null
  user_agent: string | null
  detail: AuditDetail
}

export type AuditPage = { items: AuditEntry[]; next_cursor: string | null }

const PAGE_SIZE = 50

/** The log, newest first, optionally of one user (as actor or target) and of one kind. */
export async function listEvents(filter: { userId?: number; kind?: AuditKind; cursor?: number }): Promise<AuditPage> {
  const conditions: (SQL | undefined)[] = []
  if (filter.userId !== undefined) conditions.push(sql`(${auditEvents.targetId} = ${filter.userId} or ${auditEvents.actorId} = ${filter.userId})`)
  if (filter.kind !== undefined) conditions.push(eq(auditEvents.kind, filter.kind))
  if (filter.cursor !== undefined) conditions.push(lt(auditEvents.id, filter.cursor))
  const items = await selectEvents(and(...conditions), PAGE_SIZE + 1)
  const more = items.length > PAGE_SIZE
  const page = items.slice(0, PAGE_SIZE)
  return { items: page, next_cursor: more ? String(page.at(-1)!.id) : null }
}

/** A user's own recent security events, for their account page. */
export async function listOwnEvents(userId: number, limit = 20): Promise<AuditEntry[]> {
  return selectEvents(and(eq(auditEvents.targetId, userId), inArray(auditEvents.kind, OWN_KINDS)), limit)
}

async function selectEvents(where: SQL | undefined, limit: number): Promise<AuditEntry[]> {
  const db = await getDb()
  const actors = alias(users, 'actors')
  const targets = alias(users, 'targets')
  const rows = await db
    .select({
      id: auditEvents.id,
      at: auditEvents.at,
      kind: auditEvents.kind,
      actorId: auditEvents.actorId,
      actor: actors.username,
      targetId: auditEvents.targetId,
      target: targets.username,
      ip: auditEvents.ip,
      userAgent: auditEvents.userAgent,
      detail: auditEvents.detail,
    })
    .from(auditEvents)
    .leftJoin(actors, eq(actors.id, auditEvents.actorId))
    .leftJoin(targets, eq(targets.id, auditEvents.targetId))
    .where(where)
    .orderBy(desc(auditEvents.id))
    .limit(limit)
  return rows.map((row) => ({
    id: row.id,
    at: row.at.toISOString(),
    kind: row.kind,
    actor_id: row.actorId,
    actor: row.actor,
    target_id: row.targetId,
    target: row.target,
    ip: row.ip,
    user_agent: row.userAgent,
    detail: row.detail,
  }))
}
