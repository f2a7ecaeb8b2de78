'use client'

import { type ReactNode, useEffect, useRef } from 'react'

/**
 * A modal in the page, open while `open`: the native modal <dialog> traps focus, makes the rest of
 * the page inert, closes on Escape and gives focus back to what had it. The first control inside
 * gets the focus when it opens. Its content is there only while open, so it starts afresh each time.
 */
export function Modal({
  open,
  labelledBy,
  describedBy,
  pending,
  onCancel,
  children,
}: {
  open: boolean
  labelledBy: string
  describedBy: string
  pending: boolean
  onCancel: () => void
  children: ReactNode
}) {
  const dialog = useRef<HTMLDialogElement>(null)

  useEffect(() => {
    const element = dialog.current
    if (element === null) return
    if (open && !element.open) element.showModal()
    if (!open && element.open) element.close()
  }, [open])

  return (
    <dialog
      ref={dialog}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      // Escape closes the dialog by itself; tell the owner. Not while the request is in flight.
      onCancel={(event) => {
        event.preventDefault()
        if (!pending) onCancel()
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-lg bg-white p-6 text-gray-900 shadow-xl backdrop:bg-gray-900/50"
    >
      {open ? children : null}
    </dialog>
  )
}
