'use client'

import Form from 'next/form'
import Link from 'next/link'
import { useState } from 'react'
import { callApi, failureMessage } from '@/app/api-client'
import { SecondaryButton, SubmitButton } from '@/app/buttons'
import { deviceName } from '@/app/device-name'
import { KIND_LABELS, describeEvent } from '@/app/event-text'
import { LocalTime } from '@/app/local-time'
import { Cell, Row, Table } from '@/app/responsive-table'
import { FormError } from '@/app/ui'
import type { AuditEntry, AuditPage } from '@/lib/accounts/audit'
import { type AdminParams, adminHref } from './admin-params'
import { KeepParams } from './keep-params'

const KINDS = Object.entries(KIND_LABELS).sort(([, a], [, b]) => a.localeCompare(b))

/**
 * The audit log for admins, newest first. The filters are the page's `?kind=` and `?user=` (the
 * directory's "Activity" links set the user); "More" asks the API for the next page.
 */
export function AuditLog({ first, params, username, filterError }: { first: AuditPage; params: AdminParams; username: string | null; filterError: string | null }) {
  const [items, setItems] = useState(first.items)
  const [next, setNext] = useState(first.next_cursor)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function loadMore() {
    if (next === null) return
    setLoading(true)
    setError(null)
    const search = new URLSearchParams({ cursor: next })
    if (params.kind !== undefined) search.set('kind', params.kind)
    if (params.user !== undefined) search.set('user_id', String(params.user))
    const response = await callApi(`/api/audit?${search}`).catch(() => null)
    if (response?.ok) {
      const page = (await response.json()) as AuditPage
      setItems((current) => [...current, ...page.items])
      setNext(page.next_cursor)
    } else {
      setError(await failureMessage(response))
    }
    setLoading(false)
  }

  return (
    <div className="space-y-4">
      <Form action="/admin" scroll={false} aria-label="Filter the audit log" className="flex flex-wrap items-end gap-3">
        <div className="min-w-0 flex-1 basis-56 space-y-1">
          <label htmlFor="audit-kind" className="block text-sm font-medium text-gray-700">
            What happened
          </label>
          <select
            id="audit-kind"
            name="kind"
            defaultValue={params.kind ?? ''}
            key={params.kind ?? ''}
            className="block w-full rounded-md border border-gray-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
          >
            <option value="">Every kind of event</option>
            {KINDS.map(([kind, label]) => (
              <option key={kind} value={kind}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <KeepParams params={{ q: params.q, user: params.user }} />
        <SubmitButton pending={false} inline>
          Filter
        </SubmitButton>
      </Form>
      {filterError !== null ? <p className="text-sm text-red-600">{filterError}</p> : null}
      {params.user !== undefined ? (
        <p className="flex flex-wrap items-baseline gap-x-3 text-sm">
          <span>
            Only events of <strong className="font-semibold">{username ?? `user #${params.user}`}</strong>, by them or about them.
          </span>
          <Link href={adminHref({ ...params, user: undefined }, 'audit')} className="font-medium text-indigo-700 underline hover:text-indigo-900">
            Show everyone’s events
          </Link>
        </p>
      ) : null}
      <FormError message={error} />

      {items.length === 0 ? (
        <p className="text-sm text-gray-600">No events match.</p>
      ) : (
        <Table label="Audit events" size="wide" columns={['Time', 'What', 'Who', 'Whom', 'Address', 'Device']}>
          {items.map((event) => (
            <Row key={event.id} testId="audit-row">
              <Cell label="Time">
                <LocalTime iso={event.at} />
              </Cell>
              <Cell label="What">
                <span className="font-medium">{describeEvent(event)}</span>
              </Cell>
              <Cell label="Who">{event.actor ?? <span className="text-gray-600">nobody signed in</span>}</Cell>
              <Cell label="Whom">
                <Whom event={event} />
              </Cell>
              <Cell label="Address">{event.ip ?? <span className="text-gray-600">unknown</span>}</Cell>
              <Cell label="Device">
                <span title={event.user_agent ?? undefined}>{deviceName(event.user_agent)}</span>
              </Cell>
            </Row>
          ))}
        </Table>
      )}

      {next !== null ? (
        <SecondaryButton pending={loading} onClick={loadMore}>
          {loading ? 'Loading…' : 'More events'}
        </SecondaryButton>
      ) : null}
    </div>
  )
}

/** The account concerned; for a failed sign-in with a name no account has, the name as typed. */
function Whom({ event }: { event: AuditEntry }) {
  if (event.target !== null) return <>{event.target}</>
  const typed = event.detail.username
  if (typeof typed === 'string') return <span className="text-gray-600">“{typed}” (no such user)</span>
  return <span className="text-gray-600">none</span>
}
