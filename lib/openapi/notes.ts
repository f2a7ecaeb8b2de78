// The notes example, and the FastAPI tutorial's item shape of them.
import { z } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import type { Note } from '../accounts/notes'
import { NewNoteSchema, NoteChangesSchema, NoteIdSchema } from '../credentials/validation'
import { describes, json, noContent, operation, problem, timestamp } from './operation'

const NoteSchema = z.strictObject({ id: z.int(), text: z.string(), completed: z.boolean(), created_at: timestamp }).meta({ id: 'Note' })
describes<z.output<typeof NoteSchema>, Note>()

const ItemSchema = z.strictObject({ item_id: z.int(), owner: z.string(), text: z.string(), completed: z.boolean() }).meta({ id: 'Item' })

export const notePaths: ZodOpenApiPathsObject = {
  '/api/users/me/items': {
    get: operation({
      id: 'readOwnItems',
      summary: "Your notes, in the FastAPI tutorial's item shape",
      tags: ['notes'],
      access: 'read',
      method: 'get',
      responses: { '200': { description: 'Oldest first.', ...json(z.array(ItemSchema)) } },
    }),
  },
  '/api/notes': {
    get: operation({ id: 'listNotes', summary: 'Your notes', tags: ['notes'], access: 'read', method: 'get', responses: { '200': { description: 'Oldest first.', ...json(z.array(NoteSchema)) } } }),
    post: operation({
      id: 'createNote',
      summary: 'Add a note',
      tags: ['notes'],
      access: 'write',
      method: 'post',
      body: NewNoteSchema,
      responses: { '201': { description: 'The new note.', ...json(NoteSchema) }, '409': problem('You already have 1000 notes.') },
    }),
  },
  '/api/notes/{id}': {
    get: operation({
      id: 'readNote',
      summary: 'One of your notes',
      tags: ['notes'],
      access: 'read',
      method: 'get',
      params: { path: z.object({ id: NoteIdSchema }) },
      responses: { '200': { description: 'The note.', ...json(NoteSchema) }, '404': problem("Note not found (also another user's).") },
    }),
    patch: operation({
      id: 'updateNote',
      summary: 'Change a note',
      tags: ['notes'],
      access: 'write',
      method: 'patch',
      params: { path: z.object({ id: NoteIdSchema }) },
      body: NoteChangesSchema,
      responses: { '200': { description: 'The note.', ...json(NoteSchema) }, '404': problem('Note not found.') },
    }),
    delete: operation({
      id: 'deleteNote',
      summary: 'Delete a note',
      tags: ['notes'],
      access: 'write',
      method: 'delete',
      params: { path: z.object({ id: NoteIdSchema }) },
      responses: { '204': noContent('Deleted.'), '404': problem('Note not found.') },
    }),
  },
}
