import { requireUser } from '@/lib/auth'
import { json, otherMethods, route } from '@/lib/http'

export const GET = route(async (request) => {
  const auth = await requireUser(request)
  return auth instanceof Response ? auth : json(auth.user)
})

export const { POST, PUT, PATCH, DELETE } = otherMethods('GET')
