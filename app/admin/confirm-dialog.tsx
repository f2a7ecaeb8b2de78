'use client'

import { useEffect, useId, useRef } from 'react'
import { ConfirmButton, DangerButton, SecondaryButton } from '@/app/buttons'

export type Confirmation = { question: string; consequence: string; confirm: string; harmful: boolean }

/**
 * Asks before an admin action, in the page: the native modal <dialog> traps focus, makes the rest
 * of the page inert, closes on Escape and gives focus back to the button that opened it. Cancel
 * comes first, so that it, not the action, has the focus when the dialog opens.
 */
export function ConfirmDialog({ ask, pending, onConfirm, onCancel }: { ask: Confirmation | null; pending: boolean; onConfirm: () => void; onCancel: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const id = useId()
  const open = ask !== null

  useEffect(() => {
    const element = dialog.current
    if (element === null) return
    if (open && !element.open) element.showModal()
    if (!open && element.open) element.close()
  }, [open])

  return (
    <dialog
      ref={dialog}
      aria-labelledby={`${id}-question`}
      aria-describedby={`${id}-consequence`}
      // Escape closes the dialog by itself; tell the owner. Not while the request is in flight.
      onCancel={(event) => {
        event.preventDefault()
        if (!pending) onCancel()
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-lg bg-white p-6 text-gray-900 shadow-xl backdrop:bg-gray-900/50"
    >
      {ask !== null ? (
        <div className="space-y-4">
          <h2 id={`${id}-question`} className="text-lg font-semibold">
            {ask.question}
          </h2>
          <p id={`${id}-consequence`} className="text-sm text-gray-700">
            {ask.consequence}
          </p>
          <div className="flex flex-wrap justify-end gap-3">
            <SecondaryButton pending={pending} onClick={onCancel}>
              Cancel
            </SecondaryButton>
            {ask.harmful ? (
              <DangerButton pending={pending} onClick={onConfirm}>
                {ask.confirm}
              </DangerButton>
            ) : (
              <ConfirmButton pending={pending} onClick={onConfirm}>
                {ask.confirm}
              </ConfirmButton>
            )}
          </div>
        </div>
      ) : null}
    </dialog>
  )
}
