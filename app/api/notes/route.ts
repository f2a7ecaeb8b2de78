import { requireUser } from '@/lib/signin/auth'
import { json, otherMethods, parseJson, problem, route } from '@/lib/request/http'
import { MAX_NOTES, createNote, listNotes } from '@/lib/accounts/notes'
import { NewNoteSchema } from '@/lib/credentials/validation'

// The caller's notes, oldest first; a personal access token reads them with `read` and adds to
// them with `write`.
export const GET = route(async (request) => {
  const auth = await requireUser(request, { keys: 'read' })
  return auth instanceof Response ? auth : json(await listNotes(auth.user.id))
})

export const POST = route(async (request) => {
  const auth = await requireUser(request, { keys: 'write' })
  if (auth instanceof Response) return auth
  const body = await parseJson(request, NewNoteSchema)
  if (!body.ok) return body.response
  const note = await createNote(auth.user.id, body.data)
  return note === null ? problem(409, `You already have ${MAX_NOTES} notes: delete some first`) : json(note, 201)
})

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST')
