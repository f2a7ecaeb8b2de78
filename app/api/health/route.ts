import { pingDatabase } from '@/lib/db'
import { json, route } from '@/lib/http'

// Readiness: ok once the database (for the embedded store: created and migrated) answers.
export const GET = route(async () =>
  (await pingDatabase())
    ? json({ status: 'ok', database: 'ok' })
    : json({ status: 'error', database: 'unavailable', detail: 'Service unavailable' }, 503),
)
