import { requireUser } from '@/lib/signin/auth'
import { json, otherMethods, parseJson, problem, route } from '@/lib/request/http'
import { deleteNote, getNote, updateNote } from '@/lib/accounts/notes'
import { NoteChangesSchema, NoteIdSchema } from '@/lib/credentials/validation'

// One of the caller's notes. Another user's note, or one that never was, is a 404 alike.

type Context = { params: Promise<{ id: string }> }

const notFound = () => problem(404, 'Note not found')

export const GET = route(async (request, { params }: Context) => {
  const auth = await requireUser(request, { keys: 'read' })
  if (auth instanceof Response) return auth
  const id = NoteIdSchema.safeParse((await params).id)
  const note = id.success ? await getNote(auth.user.id, id.data) : null
  return note === null ? notFound() : json(note)
})

export const PATCH = route(async (request, { params }: Context) => {
  const auth = await requireUser(request, { keys: 'write' })
  if (auth instanceof Response) return auth
  const id = NoteIdSchema.safeParse((await params).id)
  if (!id.success) return notFound()
  const body = await parseJson(request, NoteChangesSchema)
  if (!body.ok) return body.response
  const note = await updateNote(auth.user.id, id.data, body.data)
  return note === null ? notFound() : json(note)
})

export const DELETE = route(async (request, { params }: Context) => {
  const auth = await requireUser(request, { keys: 'write' })
  if (auth instanceof Response) return auth
  const id = NoteIdSchema.safeParse((await params).id)
  return id.success && (await deleteNote(auth.user.id, id.data)) ? new Response(null, { status: 204 }) : notFound()
})

export const { POST, PUT, OPTIONS } = otherMethods('GET', 'PATCH', 'DELETE')
