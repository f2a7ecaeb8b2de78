import { createResetLink } from '@/lib/operators/admin'
import { requireAdmin } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, problem, route } from '@/lib/request/http'
import { UserIdSchema } from '@/lib/credentials/validation'

// An admin makes a one-time password reset link for a user, to hand over without mail. Where
// APP_URL is unset in production, it is a path: the admin's page puts its own address in front.
export const POST = route(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const admin = await requireAdmin(request, { fresh: true })
  if (admin instanceof Response) return admin
  const id = UserIdSchema.safeParse((await params).id)
  const result = id.success ? await createResetLink(admin, id.data, readClient(request)) : null
  if (result === null) return problem(404, 'User not found')
  return result.ok ? json(result.value, 201) : problem(result.status, result.detail)
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
