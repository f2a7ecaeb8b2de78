import { deviceName } from '@/app/device-name'
import { describeEvent } from '@/app/event-text'
import { LocalTime } from '@/app/local-time'
import type { AuditEntry } from '@/lib/accounts/audit'

/** The events of the user's own account, newest first: enough to notice a sign-in that was not theirs. */
export function SecurityActivity({ events }: { events: AuditEntry[] }) {
  if (events.length === 0) return <p className="text-sm text-gray-600">No security events yet.</p>
  return (
    <ul className="divide-y divide-gray-100 text-sm" aria-label="Recent security events">
      {events.map((event) => (
        <li key={event.id} data-testid="activity-item" className="grid gap-x-4 gap-y-0.5 py-2 sm:grid-cols-[minmax(0,1fr)_auto]">
          <div className="min-w-0">
            <p className="font-medium wrap-anywhere">{describeEvent(event)}</p>
            {/* An admin's doing names the admin, not the admin's device and address. */}
            {event.actor !== null && event.actor_id !== event.target_id ? (
              <p className="text-gray-600 wrap-anywhere">By {event.actor}, an admin</p>
            ) : (
              <p className="text-gray-600 wrap-anywhere" title={event.user_agent ?? undefined}>
                {deviceName(event.user_agent)} · {event.ip ?? 'unknown address'}
              </p>
            )}
          </div>
          <p className="text-gray-600 sm:text-right">
            <LocalTime iso={event.at} />
          </p>
        </li>
      ))}
    </ul>
  )
}
