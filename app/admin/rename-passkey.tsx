'use client'

import { useRouter } from 'next/navigation'
import { useId } from 'react'
import { field, sendJson, useApiForm } from '@/app/api-client'
import { SecondaryButton, SubmitButton } from '@/app/buttons'
import { Field, FormError } from '@/app/ui'
import type { Passkey } from '@/lib/accounts/passkeys'
import { Modal } from './modal'

/** A passkey's new name, asked in a dialog while `passkey` is set; the list follows once the server has it. */
export function RenamePasskey({ passkey, onDone }: { passkey: Passkey | null; onDone: () => void }) {
  const id = useId()
  return (
    <Modal open={passkey !== null} labelledBy={`${id}-heading`} describedBy={`${id}-why`} pending={false} onCancel={onDone}>
      {passkey !== null ? <RenameForm id={id} passkey={passkey} onDone={onDone} /> : null}
    </Modal>
  )
}

function RenameForm({ id, passkey, onDone }: { id: string; passkey: Passkey; onDone: () => void }) {
  const router = useRouter()
  const { pending, error, onSubmit } = useApiForm(
    (form) => sendJson('PATCH', `/api/users/me/passkeys/${passkey.id}`, { name: field(form, 'new_passkey_name').trim() }),
    () => {
      router.refresh()
      onDone()
    },
  )
  const fieldError = error?.fields.name
  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate>
      <h2 id={`${id}-heading`} className="text-lg font-semibold">
        Rename the passkey
      </h2>
      <p id={`${id}-why`} className="text-sm wrap-anywhere text-gray-700">
        A name that tells you which device or password manager holds “{passkey.name}”.
      </p>
      <FormError message={error !== null && fieldError === undefined ? error.message : null} />
      <Field label="Name" name="new_passkey_name" defaultValue={passkey.name} autoComplete="off" maxLength={64} required autoFocus error={fieldError} />
      <div className="flex flex-wrap items-center justify-end gap-3">
        <SecondaryButton pending={pending} onClick={onDone}>
          Cancel
        </SecondaryButton>
        <SubmitButton pending={pending} inline>
          {pending ? 'Saving…' : 'Save'}
        </SubmitButton>
      </div>
    </form>
  )
}
