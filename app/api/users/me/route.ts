import { requireUser } from '@/lib/auth'
import { json, route } from '@/lib/http'

export const GET = route(async (request) => {
  const auth = await requireUser(request)
  return auth instanceof Response ? auth : json(auth.user)
})
