'use client'

import { type ReactNode, useEffect, useId, useRef, useState } from 'react'
import { flushSync } from 'react-dom'
import { SecondaryButton } from '@/app/buttons'

/**
 * A secret shown this once (a new access token, a reset link, recovery codes one a line): in memory
 * only, never in storage or the address; with a `filename`, it can be saved as a text file too. It
 * takes the focus when it appears, so that a screen reader reads its heading, and Done gives the
 * focus back to where it was. `onDone` forgets it: on Done, and when the page is left, since a
 * browser may keep the page in memory for its Back button (bfcache), after a sign-out too.
 */
export function ShownOnce({
  heading,
  value,
  testId,
  filename,
  onDone,
  children,
}: {
  heading: string
  value: string
  testId: string
  filename?: string
  onDone: () => void
  children: ReactNode
}) {
  const id = useId()
  const box = useRef<HTMLDivElement>(null)
  const shown = useRef<HTMLElement>(null)
  const before = useRef<Element | null>(null)
  const [copied, setCopied] = useState('')

  useEffect(() => {
    before.current = document.activeElement
    box.current?.focus()
  }, [])

  useEffect(() => {
    // Synchronously: the page is frozen after this event.
    const forget = () => flushSync(onDone)
    window.addEventListener('pagehide', forget)
    return () => window.removeEventListener('pagehide', forget)
  }, [onDone])

  async function copy() {
    try {
      await navigator.clipboard.writeText(value)
      setCopied('Copied')
    } catch {
      // No clipboard API (a page over plain http) or no permission: select the value instead.
      window.getSelection()?.selectAllChildren(shown.current!)
      setCopied('Selected: press Ctrl+C (⌘C on a Mac) to copy it.')
    }
  }

  function download() {
    // A file made here from the value in memory: nothing is asked of the server.
    const link = document.createElement('a')
    link.href = URL.createObjectURL(new Blob([`${value}\n`], { type: 'text/plain' }))
    link.download = filename!
    link.click()
    setTimeout(() => URL.revokeObjectURL(link.href), 1000)
  }

  function done() {
    if (before.current instanceof HTMLElement) before.current.focus()
    onDone()
  }

  return (
    <div
      ref={box}
      tabIndex={-1}
      role="region"
      aria-labelledby={`${id}-heading`}
      data-testid={testId}
      className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 focus:outline-none"
    >
      <h3 id={`${id}-heading`} className="font-semibold">
        {heading}
      </h3>
      <code ref={shown} data-testid={`${testId}-value`} className="block rounded bg-white px-3 py-2 break-all whitespace-pre-line">
        {value}
      </code>
      <div className="flex flex-wrap items-center gap-3">
        <SecondaryButton pending={false} onClick={copy}>
          Copy
        </SecondaryButton>
        {filename !== undefined ? (
          <SecondaryButton pending={false} onClick={download}>
            Download
          </SecondaryButton>
        ) : null}
        <p role="status">{copied}</p>
      </div>
      {children}
      <SecondaryButton pending={false} onClick={done}>
        Done
      </SecondaryButton>
    </div>
  )
}
