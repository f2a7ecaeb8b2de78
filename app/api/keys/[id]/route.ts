import { requireUser } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { otherMethods, problem, route } from '@/lib/request/http'
import { deleteKey } from '@/lib/signin/keys'
import { KeyIdSchema } from '@/lib/credentials/validation'

// Ends one of the caller's keys, on every instance at the key's next request.
export const DELETE = route(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  const id = KeyIdSchema.safeParse((await params).id)
  if (!id.success || !(await deleteKey(auth.user.id, id.data, readClient(request)))) return problem(404, 'Token not found')
  return new Response(null, { status: 204 })
})

export const { GET, POST, PUT, PATCH, OPTIONS } = otherMethods('DELETE')
