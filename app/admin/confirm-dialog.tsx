'use client'

import { useId } from 'react'
import { ConfirmButton, DangerButton, SecondaryButton } from '@/app/buttons'
import { Modal } from './modal'

export type Confirmation = { question: string; consequence: string; confirm: string; harmful: boolean }

/**
 * Asks before an action that changes an account, in the page (a Modal). Cancel comes first, so
 * that it, not the action, has the focus when the dialog opens.
 */
export function ConfirmDialog({ ask, pending, onConfirm, onCancel }: { ask: Confirmation | null; pending: boolean; onConfirm: () => void; onCancel: () => void }) {
  const id = useId()
  return (
    <Modal open={ask !== null} labelledBy={`${id}-question`} describedBy={`${id}-consequence`} pending={pending} onCancel={onCancel}>
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
    </Modal>
  )
}
