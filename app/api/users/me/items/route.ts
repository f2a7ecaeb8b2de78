import { requireUser } from '@/lib/signin/auth'
import { json, otherMethods, route } from '@/lib/request/http'
import { listNotes } from '@/lib/accounts/notes'

// The tutorial's example protected route: the caller's notes, in its `items` shape.
export const GET = route(async (request) => {
  const auth = await requireUser(request, { keys: 'read' })
  if (auth instanceof Response) return auth
  const notes = await listNotes(auth.user.id)
  return json(notes.map((note) => ({ item_id: note.id, owner: auth.user.username, text: note.text, completed: note.completed })))
})

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET')
