import { becomeFirstAdmin } from '@/lib/operators/admin'
import { requireUser } from '@/lib/signin/auth'
import { readClient } from '@/lib/request/client'
import { json, otherMethods, problem, route } from '@/lib/request/http'

// A development server's first admin: the signed-in caller, while no account is an enabled admin
// (lib/operators/admin.ts). A production build answers 404, whatever the database holds.
export const POST = route(async (request) => {
  const auth = await requireUser(request)
  if (auth instanceof Response) return auth
  const result = await becomeFirstAdmin(auth, readClient(request))
  return result.ok ? json(result.value) : problem(result.status, result.detail)
})

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST')
