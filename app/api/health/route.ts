import { pingDatabase } from '@/lib/db'
import { json, otherMethods, route } from '@/lib/http'

// Readiness: ok once the database (for the embedded store: created and migrated) answers.
export const GET = route(async () =>
  (await pingDatabase())
    ? json({ status: 'ok', database: 'ok' })
    : json({ status: 'error', database: 'unavailable', detail: 'Service unavailable' }, 503),
)

export const { POST, PUT, PATCH, DELETE } = otherMethods('GET')
