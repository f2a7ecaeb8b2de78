import { updateUser } from '@/lib/operators/admin'
import { requireAdmin } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, parseJson, problem, route } from '@/lib/request/http'
import { UserChangesSchema, UserIdSchema } from '@/lib/credentials/validation'

type Context = { params: Promise<{ id: string }> }

// An admin disables or enables a user, or changes their role.
export const PATCH = route(async (request, { params }: Context) => {
  const admin = await requireAdmin(request, { fresh: true })
  if (admin instanceof Response) return admin
  const id = UserIdSchema.safeParse((await params).id)
  if (!id.success) return problem(404, 'User not found')
  const body = await parseJson(request, UserChangesSchema)
  if (!body.ok) return body.response
  const result = await updateUser(admin, id.data, body.data, readClient(request))
  return result.ok ? json(result.value) : problem(result.status, result.detail)
})

export const { GET, POST, PUT, DELETE, OPTIONS } = otherMethods('PATCH')
