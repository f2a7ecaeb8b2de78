import { type FormEvent, useState } from 'react'

// Browser-side helpers for the account pages. The session lives in HttpOnly cookies set by
// /api/token: no token is ever handled here or put in localStorage.

/** `code` is the body's `error`, where the API gives one (`invalid_grant`, `reauth_required`). */
export type ApiError = { status: number; code: string | null; message: string; fields: Record<string, string> }

/** The form's message when the problems are told beside their fields. */
export const SEE_FIELDS = 'Please correct the fields below.'

/** Said where the request was refused for an old sign-in and the user cancelled the step-up dialog. */
export const NOT_CONFIRMED = 'Not done: it needs you to confirm it is you. Try again when you are ready.'

/** Turns an error response ({"detail": "..."} or FastAPI's 422 list) into text for the form. */
export async function readApiError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { detail?: unknown; error?: unknown } | null
  const code = typeof body?.error === 'string' ? body.error : null
  const detail = code === 'reauth_required' ? NOT_CONFIRMED : body?.detail
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
  return { status: response.status, code, message, fields }
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
      setError({ status: 0, code: null, message: UNREACHABLE, fields: {} })
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

/** The second step of signing in: the code (or a recovery code) for the `mfa_token` the password step gave. */
export function requestTokenWithCode(mfaToken: string, otp: string): Promise<Response> {
  const form = new FormData()
  form.set('grant_type', 'urn:passgate:params:oauth:grant-type:mfa-otp')
  form.set('mfa_token', mfaToken)
  form.set('otp', otp)
  return fetch('/api/token', { method: 'POST', body: form })
}

// Set by the step-up dialog (app/admin/step-up-dialog.tsx) while an account page shows it: asks
// the user to confirm it is them, and tells whether they did.
let confirmIdentity: (() => Promise<boolean>) | null = null

export function handleStepUp(ask: (() => Promise<boolean>) | null): void {
  confirmIdentity = ask
}

/**
 * fetch for the account pages. A request refused because the sign-in is too old for it (403
 * `reauth_required`, the step-up challenge of RFC 9470) asks the user to confirm it is them, and
 * once they have, is sent again: the form that sent it gets the second answer and finishes what
 * the user started. Cancelled, the form gets the refusal (readApiError says NOT_CONFIRMED).
 */
export async function callApi(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(path, init)
  if (response.status !== 403 || confirmIdentity === null) return response
  const body = (await response.clone().json().catch(() => null)) as { error?: unknown } | null
  if (body?.error !== 'reauth_required') return response
  return (await confirmIdentity()) ? fetch(path, init) : response
}

export function sendJson(method: string, path: string, body: unknown): Promise<Response> {
  return callApi(path, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}
