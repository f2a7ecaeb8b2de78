import { AuditQuerySchema } from '@/lib/accounts/audit'
import { DirectoryQuerySchema } from '@/lib/credentials/validation'
import type { AdminParams } from './admin-params'

type Raw = Record<string, string | string[] | undefined>

const single = (value: string | string[] | undefined): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined || first.trim() === '' ? undefined : first
}

/**
 * The page's parameters, checked by the rules the API applies to the same values: a value the
 * API would refuse is dropped, and its message is shown beside the search or the filter.
 */
export function readAdminParams(raw: Raw): { params: AdminParams; searchError: string | null; filterError: string | null } {
  const params: AdminParams = {}
  let searchError: string | null = null
  let filterError: string | null = null
  const search = DirectoryQuerySchema.safeParse({ q: single(raw.q)?.trim() })
  if (search.success) params.q = search.data.q
  else searchError = search.error.issues[0]?.message ?? 'Invalid search'
  const filter = AuditQuerySchema.safeParse({ kind: single(raw.kind), user_id: single(raw.user) })
  if (filter.success) {
    params.kind = filter.data.kind
    params.user = filter.data.user_id
  } else {
    filterError = 'That filter is not one the audit log knows: showing every event.'
  }
  return { params, searchError, filterError }
}
