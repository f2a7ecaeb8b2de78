'use client'

import Form from 'next/form'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { UNREACHABLE, callApi, failureMessage, readApiError } from '@/app/api-client'
import { SecondaryButton, SubmitButton } from '@/app/buttons'
import { LocalTime } from '@/app/local-time'
import { Cell, Row, Table } from '@/app/responsive-table'
import { FormError, FormNotice } from '@/app/ui'
import type { DirectoryEntry, ResetLink } from '@/lib/operators/admin'
import { adminHref, type AdminParams } from './admin-params'
import { ConfirmDialog } from './confirm-dialog'
import { KeepParams } from './keep-params'
import { ShownOnce } from './shown-once'
import { StatusBadges, TwoStepBadge, VerifiedBadge } from './status-badges'
import { ACTIONS, type UserAction, actionsFor, perform } from './user-actions'

type Page = { items: DirectoryEntry[]; next_cursor: string | null }

/**
 * The user directory for admins. The search is the page's `?q=` (the server renders the first
 * page, and the address can be shared or reloaded); "More" and the actions call the API from
 * here and update the rows in place.
 */
export function UserDirectory({ first, params, searchError, currentUserId }: { first: Page; params: AdminParams; searchError: string | null; currentUserId: number }) {
  const router = useRouter()
  const query = params.q ?? ''
  const [shownQuery, setShownQuery] = useState(query)
  const [items, setItems] = useState(first.items)
  const [next, setNext] = useState(first.next_cursor)
  const [loading, setLoading] = useState(false)
  const [asking, setAsking] = useState<{ action: UserAction; user: DirectoryEntry } | null>(null)
  const [acting, setActing] = useState(false)
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null)
  // A reset link just made, shown this once.
  const [resetLink, setResetLink] = useState<(ResetLink & { username: string }) | null>(null)

  // A new search (the page's address changed) starts over from the server's first page; a mere
  // refresh after an action keeps the rows, and what "More" added, as they are.
  if (shownQuery !== query) {
    setShownQuery(query)
    setItems(first.items)
    setNext(first.next_cursor)
    setOutcome(null)
    setResetLink(null)
  }

  async function loadMore() {
    if (next === null) return
    setLoading(true)
    const search = new URLSearchParams({ cursor: next, ...(query !== '' ? { q: query } : {}) })
    const response = await callApi(`/api/users?${search}`).catch(() => null)
    if (response?.ok) {
      const page = (await response.json()) as Page
      setItems((current) => [...current, ...page.items.filter((user) => !current.some((shownUser) => shownUser.id === user.id))])
      setNext(page.next_cursor)
      setOutcome(null)
    } else {
      setOutcome({ ok: false, message: await failureMessage(response) })
    }
    setLoading(false)
  }

  async function confirm() {
    if (asking === null) return
    const { action, user } = asking
    setActing(true)
    try {
      const { response, updated, link } = await perform(action, user)
      if (updated !== null) {
        setItems((current) => current.map((row) => (row.id === user.id ? updated : row)))
        setOutcome({ ok: true, message: ACTIONS[action].done(user.username) })
        // Kept through other actions until Done: it cannot be fetched again.
        if (link !== undefined) setResetLink({ ...link, username: user.username })
        // The audit log below, and this admin's own sessions and activity, show what just happened.
        router.refresh()
      } else {
        const what = ACTIONS[action].confirm(user.username)
        setOutcome({ ok: false, message: `Could not ${what[0]!.toLowerCase()}${what.slice(1)}: ${(await readApiError(response)).message}` })
      }
    } catch {
      setOutcome({ ok: false, message: UNREACHABLE })
    }
    setActing(false)
    setAsking(null)
  }

  const action = asking === null ? null : ACTIONS[asking.action]
  return (
    <div className="space-y-4">
      {/* Before the reset link's box: closing the dialog gives the focus back to the row's button,
          and the box, mounted in the same render, takes it from there. */}
      <ConfirmDialog
        ask={asking === null || action === null ? null : { question: action.question(asking.user.username), consequence: action.consequence(asking.user), confirm: action.confirm(asking.user.username), harmful: action.harmful }}
        pending={acting}
        onConfirm={confirm}
        onCancel={() => setAsking(null)}
      />
      <Form action="/admin" scroll={false} role="search" aria-label="Search users" className="flex flex-wrap items-end gap-3">
        <div className="min-w-0 flex-1 basis-56 space-y-1">
          <label htmlFor="directory-q" className="block text-sm font-medium text-gray-700">
            Username or email
          </label>
          <input
            id="directory-q"
            name="q"
            type="search"
            defaultValue={query}
            key={query}
            maxLength={100}
            aria-invalid={searchError !== null}
            aria-describedby={searchError !== null ? 'directory-q-error' : undefined}
            className="block w-full rounded-md border border-gray-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500 focus:outline-none aria-invalid:border-red-500"
          />
        </div>
        <KeepParams params={{ kind: params.kind, user: params.user }} />
        <SubmitButton pending={false} inline>
          Search
        </SubmitButton>
      </Form>
      {searchError !== null ? (
        <p id="directory-q-error" className="text-sm text-red-600">
          {searchError}
        </p>
      ) : null}

      <p role="status" className="text-sm text-gray-600">
        {items.length === 0
          ? query === ''
            ? 'No users yet.'
            : `No user matches “${query}”.`
          : `${items.length}${next !== null ? '+' : ''} ${items.length === 1 ? 'user' : 'users'}${query === '' ? ', newest first' : ` matching “${query}”`}.`}
      </p>
      {outcome === null ? null : outcome.ok ? <FormNotice message={outcome.message} /> : <FormError message={outcome.message} />}
      {resetLink !== null ? (
        <ShownOnce
          key={resetLink.url}
          heading={`Copy the reset link for ${resetLink.username} now: it will not be shown again`}
          value={resetLink.url}
          testId="reset-link"
          onDone={() => setResetLink(null)}
        >
          <p>
            It works once, until <LocalTime iso={resetLink.expires_at} />. Hand it to {resetLink.username} only, through a channel you trust: whoever opens it
            can set the password.
          </p>
        </ShownOnce>
      ) : null}

      {items.length > 0 ? (
        <Table label="Users" size="wide" columns={['Username', 'Email', 'Role', 'Status', 'Sessions', 'Last sign-in', '']}>
          {items.map((user) => (
            <Row key={user.id} testId="directory-row">
              <Cell label="Username">
                <span className="font-medium">{user.username}</span>
                {user.id === currentUserId ? <span className="text-gray-600"> (you)</span> : null}
                {user.full_name !== null ? <span className="block text-gray-600">{user.full_name}</span> : null}
              </Cell>
              <Cell label="Email">
                {user.email === null ? (
                  <span className="text-gray-600">none</span>
                ) : (
                  <>
                    <span className="block">{user.email}</span>
                    <VerifiedBadge verified={user.email_verified} />
                  </>
                )}
              </Cell>
              <Cell label="Role">{user.role === 'admin' ? 'Admin' : 'User'}</Cell>
              <Cell label="Status">
                <span className="inline-flex flex-wrap justify-end gap-1">
                  <StatusBadges disabled={user.disabled} locked={user.locked} />
                  {user.mfa.totp || user.mfa.passkeys > 0 ? <TwoStepBadge totp={user.mfa.totp} passkeys={user.mfa.passkeys} /> : null}
                </span>
              </Cell>
              <Cell label="Sessions">{user.live_sessions}</Cell>
              <Cell label="Last sign-in">{user.last_login_at === null ? <span className="text-gray-600">never</span> : <LocalTime iso={user.last_login_at} style="relative" />}</Cell>
              <Cell>
                <div className="flex flex-wrap gap-2 pt-2 @4xl:pt-0">
                  {actionsFor(user, user.id === currentUserId).map(([slot, kind]) => (
                    <SecondaryButton key={slot} pending={false} onClick={() => setAsking({ action: kind, user })}>
                      {ACTIONS[kind].button}
                      <span className="sr-only"> {user.username}</span>
                    </SecondaryButton>
                  ))}
                  <Link
                    href={adminHref({ ...params, user: user.id }, 'audit')}
                    className="rounded-md px-2 py-1.5 text-sm font-medium text-indigo-700 underline hover:text-indigo-900"
                  >
                    Activity<span className="sr-only"> of {user.username}</span>
                  </Link>
                </div>
              </Cell>
            </Row>
          ))}
        </Table>
      ) : null}

      {next !== null ? (
        <SecondaryButton pending={loading} onClick={loadMore}>
          {loading ? 'Loading…' : 'More users'}
        </SecondaryButton>
      ) : null}
    </div>
  )
}
