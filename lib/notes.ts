import { asc, eq } from 'drizzle-orm'
import { getDb } from './db'
import { notes } from './schema'

// Owns the `notes` table: the tutorial's example resource, owned per user.

export type Note = { id: number; text: string; completed: boolean; created_at: string }

export async function listNotes(ownerId: number): Promise<Note[]> {
  const db = await getDb()
  const rows = await db
    .select({ id: notes.id, text: notes.text, completed: notes.completed, createdAt: notes.createdAt })
    .from(notes)
    .where(eq(notes.ownerId, ownerId))
    .orderBy(asc(notes.id))
  return rows.map((row) => ({ id: row.id, text: row.text, completed: row.completed, created_at: row.createdAt.toISOString() }))
}
