import { and, asc, eq, sql } from 'drizzle-orm'
import { getDb } from '../platform/db'
import { notes } from '../platform/schema'
import { lockUser } from './users'

// Owns the `notes` table: the tutorial's example resource, owned per user. Every query names the
// owner, so another user's note is simply not found (a 404, never a 403 that would confirm it).

export type Note = { id: number; text: string; completed: boolean; created_at: string }

/** Notes one user may keep: bounds the list, which is answered whole. */
export const MAX_NOTES = 1000

const columns = { id: notes.id, text: notes.text, completed: notes.completed, createdAt: notes.createdAt }

function toNote(row: { id: number; text: string; completed: boolean; createdAt: Date }): Note {
  return { id: row.id, text: row.text, completed: row.completed, created_at: row.createdAt.toISOString() }
}

export async function listNotes(ownerId: number): Promise<Note[]> {
  const db = await getDb()
  const rows = await db.select(columns).from(notes).where(eq(notes.ownerId, ownerId)).orderBy(asc(notes.id))
  return rows.map(toNote)
}

export async function getNote(ownerId: number, id: number): Promise<Note | null> {
  const db = await getDb()
  const [row] = await db.select(columns).from(notes).where(and(eq(notes.id, id), eq(notes.ownerId, ownerId)))
  return row === undefined ? null : toNote(row)
}

/**
 * A new note, or null when the owner already has MAX_NOTES (or is gone). The owner's row is
 * locked while counting, so concurrent requests cannot overshoot the bound.
 */
export async function createNote(ownerId: number, input: { text: string; completed: boolean }): Promise<Note | null> {
  const db = await getDb()
  return db.transaction(async (tx) => {
    if ((await lockUser(tx, ownerId)) === null) return null
    const [counted] = await tx.select({ count: sql<number>`count(*)::int` }).from(notes).where(eq(notes.ownerId, ownerId))
    if (counted!.count >= MAX_NOTES) return null
    const [row] = await tx.insert(notes).values({ ownerId, ...input }).returning(columns)
    return toNote(row!)
  })
}

export async function updateNote(ownerId: number, id: number, changes: { text?: string; completed?: boolean }): Promise<Note | null> {
  const db = await getDb()
  const [row] = await db
    .update(notes)
    .set(changes)
    .where(and(eq(notes.id, id), eq(notes.ownerId, ownerId)))
    .returning(columns)
  return row === undefined ? null : toNote(row)
}

export async function deleteNote(ownerId: number, id: number): Promise<boolean> {
  const db = await getDb()
  const rows = await db.delete(notes).where(and(eq(notes.id, id), eq(notes.ownerId, ownerId))).returning({ id: notes.id })
  return rows.length > 0
}
