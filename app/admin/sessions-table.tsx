'use client'

import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { SecondaryButton } from '@/app/buttons'
import { FormError } from '@/app/ui'
import type { SessionInfo } from '@/lib/sessions'

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC'

export function SessionsTable({ sessions }: { sessions: SessionInfo[] }) {
  const router = useRouter()
  const [ending, setEnding] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  async function end(id: string) {
    setEnding(id)
    setError(null)
    const response = await fetch(`/api/sessions/${id}`, { method: 'DELETE' }).catch(() => null)
    if (response?.ok || response?.status === 404) router.refresh()
    else setError('Could not end that session. Try again.')
    setEnding(null)
  }

  return (
    <div className="space-y-3">
      <FormError message={error} />
      <table className="w-full text-left text-sm">
        <thead className="text-gray-600">
          <tr>
            <th className="py-1 pr-3 font-medium">Device</th>
            <th className="py-1 pr-3 font-medium">IP</th>
            <th className="py-1 pr-3 font-medium">Signed in</th>
            <th className="py-1 pr-3 font-medium">Last used</th>
            <th className="py-1 font-medium">
              <span className="sr-only">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.id} className="border-t border-gray-100" data-testid="session-row">
              <td className="max-w-56 truncate py-2 pr-3" title={session.user_agent ?? undefined}>
                {session.user_agent ?? 'Unknown device'}
              </td>
              <td className="py-2 pr-3">{session.ip ?? '—'}</td>
              <td className="py-2 pr-3">{when(session.created_at)}</td>
              <td className="py-2 pr-3">{when(session.last_used_at)}</td>
              <td className="py-2 text-right">
                {session.current ? (
                  <span className="text-xs font-medium text-green-700">This device</span>
                ) : (
                  <SecondaryButton pending={ending === session.id} onClick={() => end(session.id)}>
                    End
                  </SecondaryButton>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
