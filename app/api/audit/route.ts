import { AuditQuerySchema, listEvents } from '@/lib/accounts/audit'
import { requireAdmin } from '@/lib/signin/auth'
import { json, otherMethods, parseQuery, route } from '@/lib/request/http'

// The audit log for admins, newest first: `?user_id=`, `?kind=`, `?cursor=`.
export const GET = route(async (request) => {
  const admin = await requireAdmin(request)
  if (admin instanceof Response) return admin
  const query = parseQuery(request, AuditQuerySchema)
  if (!query.ok) return query.response
  return json(await listEvents({ userId: query.data.user_id, kind: query.data.kind, cursor: query.data.cursor }))
})

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET')
