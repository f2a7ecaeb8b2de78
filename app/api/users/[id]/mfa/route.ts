import { resetSecondFactor } from '@/lib/operators/admin'
import { requireAdmin } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { otherMethods, problem, route } from '@/lib/request/http'
import { UserIdSchema } from '@/lib/credentials/validation'

// An admin removes another user's second factor (a lost phone and lost recovery codes): every
// session of theirs ends, and they sign in with the password alone until they set one up again.
export const DELETE = route(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const admin = await requireAdmin(request, { fresh: true })
  if (admin instanceof Response) return admin
  const id = UserIdSchema.safeParse((await params).id)
  const result = id.success ? await resetSecondFactor(admin, id.data, readClient(request)) : null
  if (result === null) return problem(404, 'User not found')
  return result.ok ? new Response(null, { status: 204 }) : problem(result.status, result.detail)
})

export const { GET, POST, PUT, PATCH, OPTIONS } = otherMethods('DELETE')
