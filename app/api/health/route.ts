import { SCHEMA_BEHIND, checkDatabase } from '@/lib/platform/db'
import { json, otherMethods, route } from '@/lib/request/http'

// Readiness: ok once the database (for the embedded store: created and migrated) answers and has
// every migration this version needs.
export const GET = route(async () => {
  const status = await checkDatabase()
  if (status === 'current') return json({ status: 'ok', database: 'ok', schema: 'current' })
  if (status === 'behind') return json({ status: 'error', database: 'ok', schema: 'behind', detail: SCHEMA_BEHIND }, 503)
  return json({ status: 'error', database: 'unavailable', detail: 'Service unavailable' }, 503)
})

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET')
