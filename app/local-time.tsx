'use client'

import { useHydrated } from './use-hydrated'

// Times in the viewer's own time zone and language, which only the browser knows: the server's
// HTML carries UTC, and the browser's first render after hydration replaces it (rendering the
// local time during hydration itself would not match the server's HTML).

const EXACT: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' }
const FULL: Intl.DateTimeFormatOptions = { dateStyle: 'full', timeStyle: 'long' }
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
]

/** "5 minutes ago", "yesterday", "in 2 days". */
export function relativeTime(date: Date, now: number): string {
  const seconds = (date.getTime() - now) / 1000
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit)
  }
  return 'just now'
}

/**
 * A time as the viewer reads it: `exact` ("Mar 5, 2026, 2:05 PM") or `relative` ("5 minutes
 * ago"); either way the full date, time and zone are in the title.
 */
export function LocalTime({ iso, style = 'exact' }: { iso: string; style?: 'exact' | 'relative' }) {
  const hydrated = useHydrated()
  const date = new Date(iso)
  if (!hydrated) {
    return <time dateTime={iso}>{`${iso.slice(0, 16).replace('T', ' ')} UTC`}</time>
  }
  return (
    <time dateTime={iso} title={date.toLocaleString(undefined, FULL)}>
      {style === 'relative' ? relativeTime(date, Date.now()) : date.toLocaleString(undefined, EXACT)}
    </time>
  )
}
