import type { AuditKind } from '@/lib/accounts/audit'

// The state of /admin that lives in its address, so that a search or a filter survives a reload
// and can be shared: `q` searches the directory; `kind` and `user` filter the audit log.

export type AdminParams = { q?: string; kind?: AuditKind; user?: number }

/** /admin with these parameters (the empty ones left out), and a section to scroll to. */
export function adminHref(params: AdminParams, section?: string): string {
  const search = new URLSearchParams()
  if (params.q !== undefined && params.q !== '') search.set('q', params.q)
  if (params.kind !== undefined) search.set('kind', params.kind)
  if (params.user !== undefined) search.set('user', String(params.user))
  const query = search.size > 0 ? `?${search}` : ''
  return `/admin${query}${section !== undefined ? `#${section}` : ''}`
}
