'use client'

import { useRouter } from 'next/navigation'
import { useRef, useState } from 'react'
import { callApi, failureMessage, field, sendJson, useApiForm } from '@/app/api-client'
import { SecondaryButton, SubmitButton } from '@/app/buttons'
import { LocalTime } from '@/app/local-time'
import { Cell, Row, Table } from '@/app/responsive-table'
import { CONTROL, Field, FormError } from '@/app/ui'
import type { KeyInfo, NewKey } from '@/lib/signin/keys'
import { ConfirmDialog } from './confirm-dialog'
import { ShownOnce } from './shown-once'

// The two scope sets the API accepts, named by the widest scope in them.
const ACCESS = { read: 'Read', write: 'Read and write' }
const EXPIRY_DAYS = [7, 30, 90, 365]

function accessLabel(scopes: string[]): string {
  return ACCESS[scopes.includes('write') ? 'write' : 'read']
}

/**
 * The user's personal access tokens: the list comes from the server (refreshed after each change,
 * which the activity list records too); a new token is shown once, then only its prefix.
 */
export function AccessTokens({ tokens }: { tokens: KeyInfo[] }) {
  const router = useRouter()
  const form = useRef<HTMLFormElement>(null)
  // The only copy of a new token's value, until dismissed (ShownOnce).
  const [created, setCreated] = useState<NewKey | null>(null)
  const [asking, setAsking] = useState<KeyInfo | null>(null)
  const [deleting, setDeleting] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const { pending, error: createError, onSubmit } = useApiForm(
    (data) => {
      const days = field(data, 'expires')
      return sendJson('POST', '/api/keys', {
        name: field(data, 'name').trim(),
        scopes: field(data, 'access') === 'write' ? ['read', 'write'] : ['read'],
        expires_in_days: days === '' ? null : Number(days),
      })
    },
    async (response, element) => {
      setCreated((await response.json()) as NewKey)
      element.reset()
      router.refresh()
    },
  )

  function dismiss() {
    setCreated(null)
    // The box that had the focus is gone: back to the form, for the next token.
    const name = form.current?.elements.namedItem('name')
    if (name instanceof HTMLInputElement) name.focus()
  }

  async function remove() {
    if (asking === null) return
    setDeleting(true)
    setError(null)
    const response = await callApi(`/api/keys/${asking.id}`, { method: 'DELETE' }).catch(() => null)
    // A 404 is a token already deleted (in another tab): gone either way.
    if (response?.ok || response?.status === 404) {
      if (created?.id === asking.id) setCreated(null)
      router.refresh()
    } else {
      setError(`Could not delete ${asking.name}: ${await failureMessage(response)}`)
    }
    setDeleting(false)
    setAsking(null)
  }

  return (
    <div className="space-y-4">
      <FormError message={error} />
      {tokens.length === 0 ? (
        <p className="text-sm text-gray-600">No tokens yet.</p>
      ) : (
        <Table label="Your access tokens" columns={['Name', 'Token', 'Created', 'Expires', 'Last used', '']}>
          {tokens.map((token) => (
            <Row key={token.id} testId="token-row">
              <Cell label="Name">
                <span className="font-medium">{token.name}</span>
                <span className="block text-gray-600">{accessLabel(token.scopes)}</span>
              </Cell>
              <Cell label="Token">
                <code className="whitespace-nowrap">{token.prefix}…</code>
              </Cell>
              <Cell label="Created">
                <LocalTime iso={token.created_at} />
              </Cell>
              <Cell label="Expires">{token.expires_at === null ? 'Never' : <LocalTime iso={token.expires_at} />}</Cell>
              <Cell label="Last used">{token.last_used_at === null ? 'Never' : <LocalTime iso={token.last_used_at} style="relative" />}</Cell>
              <Cell className="@2xl:text-right">
                <SecondaryButton pending={false} onClick={() => setAsking(token)}>
                  Delete<span className="sr-only"> the token {token.name}</span>
                </SecondaryButton>
              </Cell>
            </Row>
          ))}
        </Table>
      )}

      <form ref={form} className="space-y-4" onSubmit={onSubmit} noValidate aria-label="Create an access token">
        <FormError message={createError?.message ?? null} />
        <Field label="Name" name="name" autoComplete="off" hint="What the token is for, such as “backup script”" error={createError?.fields.name} />
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium text-gray-700">Access</legend>
          <div className="flex flex-wrap gap-x-6 gap-y-1 text-sm">
            {Object.entries(ACCESS).map(([value, label]) => (
              <label key={value} className="flex items-center gap-2">
                <input type="radio" name="access" value={value} defaultChecked={value === 'read'} className="size-4 accent-indigo-600" />
                {label}
              </label>
            ))}
          </div>
          <p className="text-xs text-gray-500">Read and write also lets a script add, tick and delete notes.</p>
        </fieldset>
        <div className="space-y-1">
          <label htmlFor="token-expires" className="block text-sm font-medium text-gray-700">
            Expires
          </label>
          <select id="token-expires" name="expires" defaultValue="30" className={CONTROL}>
            {EXPIRY_DAYS.map((days) => (
              <option key={days} value={days}>
                In {days} days
              </option>
            ))}
            <option value="">Never</option>
          </select>
        </div>
        <SubmitButton pending={pending}>{pending ? 'Creating…' : 'Create token'}</SubmitButton>
      </form>

      {/* Keyed by token, so that a second new token starts with a fresh box. */}
      {created !== null ? <NewToken key={created.id} token={created} onDone={dismiss} /> : null}

      <ConfirmDialog
        ask={
          asking === null
            ? null
            : {
                question: `Delete the token “${asking.name}”?`,
                consequence: `Scripts using ${asking.prefix}… are refused from their next request. This cannot be undone.`,
                confirm: 'Delete token',
                harmful: true,
              }
        }
        pending={deleting}
        onConfirm={remove}
        onCancel={() => setAsking(null)}
      />
    </div>
  )
}

/** The new token, this once, with a command to try it. */
function NewToken({ token, onDone }: { token: NewKey; onDone: () => void }) {
  return (
    <ShownOnce heading="Copy this token now: it will not be shown again" value={token.key} testId="new-token" onDone={onDone}>
      <p>Try it:</p>
      {/* Only ever rendered in the browser, after a click: window is there. */}
      <pre data-testid="new-token-curl" className="rounded bg-white px-3 py-2 text-xs whitespace-pre-wrap break-all">
        curl -H &quot;Authorization: Bearer {token.key}&quot; {window.location.origin}/api/users/me
      </pre>
    </ShownOnce>
  )
}
