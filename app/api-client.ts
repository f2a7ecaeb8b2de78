import { type FormEvent, useState } from 'react'

// Browser-side helpers for the account pages. The session lives in HttpOnly cookies set by
// /api/token: no token is ever handled here or put in localStorage.

export type ApiError = { status: number; message: string; fields: Record<string, string> }

/** The form's message when the problems are told beside their fields. */
export const SEE_FIELDS = 'Please correct the fields below.'

/** Turns an error response ({"detail": "..."} or FastAPI's 422 list) into text for the form. */
export async function readApiError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { detail?: unknown } | null
  const detail = body?.detail
  const fields: Record<string, string> = {}
  if (Array.isArray(detail)) {
    for (const item of detail as { loc?: unknown[]; msg?: string }[]) {
      const field = item.loc?.[1]
      if (typeof field === 'string' && typeof item.msg === 'string') fields[field] ??= item.msg
    }
  }
  const message =
    typeof detail === 'string'
      ? detail
      : Object.keys(fields).length > 0
        ? SEE_FIELDS
        : `Request failed (${response.status}).`
  return { status: response.status, message, fields }
}

export const UNREACHABLE = 'Could not reach the server. Try again.'

/** What to tell the user about a request that failed: its API error, or `null` when fetch itself threw. */
export async function failureMessage(response: Response | null): Promise<string> {
  return response === null ? UNREACHABLE : (await readApiError(response)).message
}

/**
 * A form that calls the API: `send` makes the request from the form's data; on success `done`
 * runs, otherwise the error is kept for display. Pending while the request is in flight.
 */
export function useApiForm(send: (form: FormData) => Promise<Response>, done: (response: Response, form: HTMLFormElement) => unknown) {
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const element = event.currentTarget
    setPending(true)
    setError(null)
    try {
      const response = await send(new FormData(element))
      if (response.ok) await done(response, element)
      else setError(await readApiError(response))
    } catch {
      setError({ status: 0, message: UNREACHABLE, fields: {} })
    }
    setPending(false)
  }

  return { pending, error, onSubmit }
}

export function field(form: FormData, name: string): string {
  return String(form.get(name) ?? '')
}

/** Signs in through the password grant; the response sets the session cookies. */
export function requestToken(username: string, password: string): Promise<Response> {
  const form = new FormData()
  form.set('username', username)
  form.set('password', password)
  return fetch('/api/token', { method: 'POST', body: form })
}

export function sendJson(method: string, path: string, body: unknown): Promise<Response> {
  return fetch(path, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}
