// Browser-side helpers for the account pages. The session lives in an HttpOnly cookie set by
// /api/token: no token is ever handled here or put in localStorage.

export type FieldErrors = Record<string, string>

export type ApiError = { message: string; fields: FieldErrors }

/** Turns an error response ({"detail": "..."} or FastAPI's 422 list) into text for the form. */
export async function readApiError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { detail?: unknown } | null
  const detail = body?.detail
  if (typeof detail === 'string') return { message: detail, fields: {} }
  const fields: FieldErrors = {}
  if (Array.isArray(detail)) {
    for (const item of detail as { loc?: unknown[]; msg?: string }[]) {
      const field = item.loc?.[1]
      if (typeof field === 'string' && typeof item.msg === 'string') fields[field] ??= item.msg
    }
  }
  const message = Object.keys(fields).length > 0 ? 'Please correct the fields below.' : `Request failed (${response.status}).`
  return { message, fields }
}

export const NETWORK_ERROR: ApiError = { message: 'Could not reach the server. Try again.', fields: {} }

/** Signs in through the password grant; the response sets the session cookie. */
export function requestToken(username: string, password: string): Promise<Response> {
  const form = new FormData()
  form.set('username', username)
  form.set('password', password)
  return fetch('/api/token', { method: 'POST', body: form })
}
