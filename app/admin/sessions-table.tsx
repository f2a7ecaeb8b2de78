'use client'

import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { callApi } from '@/app/api-client'
import { SecondaryButton } from '@/app/buttons'
import { deviceName } from '@/app/device-name'
import { LocalTime } from '@/app/local-time'
import { Cell, Row, Table } from '@/app/responsive-table'
import { FormError } from '@/app/ui'
import type { SessionInfo } from '@/lib/signin/sessions'

export function SessionsTable({ sessions }: { sessions: SessionInfo[] }) {
  const router = useRouter()
  const [ending, setEnding] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  async function end(id: string) {
    setEnding(id)
    setError(null)
    const response = await callApi(`/api/sessions/${id}`, { method: 'DELETE' }).catch(() => null)
    if (response?.ok || response?.status === 404) router.refresh()
    else setError('Could not end that session. Try again.')
    setEnding(null)
  }

  return (
    <div className="space-y-3">
      <FormError message={error} />
      <Table label="Your sessions" columns={['Device', 'Address', 'Signed in', 'Last used', '']}>
        {sessions.map((session) => {
          const device = deviceName(session.user_agent)
          return (
            <Row key={session.id} testId="session-row">
              {/* The raw header stays at hand in the title, for the rare person who wants it. */}
              <Cell label="Device">
                <span className="font-medium" title={session.user_agent ?? undefined}>
                  {device}
                </span>
              </Cell>
              <Cell label="Address">{session.ip ?? 'Unknown'}</Cell>
              <Cell label="Signed in">
                <LocalTime iso={session.created_at} />
              </Cell>
              <Cell label="Last used">
                <LocalTime iso={session.last_used_at} style="relative" />
              </Cell>
              <Cell className="@2xl:text-right">
                {session.current ? (
                  <span className="text-xs font-medium text-green-800">This device</span>
                ) : (
                  <SecondaryButton pending={ending === session.id} onClick={() => end(session.id)}>
                    End<span className="sr-only"> the session on {device}</span>
                  </SecondaryButton>
                )}
              </Cell>
            </Row>
          )
        })}
      </Table>
    </div>
  )
}
