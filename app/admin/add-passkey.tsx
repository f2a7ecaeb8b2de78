'use client'

import { useRef } from 'react'
import { callApi, sendJson } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { createPasskey, usePasskeyAction } from '@/app/passkeys'
import { Field, FormError } from '@/app/ui'

type Added = { name: string }

/**
 * A new passkey: the server's options, the browser's dialog (a fingerprint, a face, a PIN, or a
 * password manager), and the answer sent back with the name, if one was given (the server names it
 * "Passkey" otherwise). A sign-in too old for it asks "is it still you?" first (callApi).
 */
export function AddPasskey({ onAdded }: { onAdded: (name: string) => void }) {
  const form = useRef<HTMLFormElement>(null)
  const { pending, error, run } = usePasskeyAction(
    async () => {
      const credential = await createPasskey(callApi('/api/users/me/passkeys/options', { method: 'POST' }))
      const name = String(new FormData(form.current!).get('passkey_name') ?? '').trim()
      return sendJson('POST', '/api/users/me/passkeys', name === '' ? { credential } : { credential, name })
    },
    async (response) => {
      form.current?.reset()
      onAdded(((await response.json()) as Added).name)
    },
  )
  return (
    <form
      ref={form}
      className="space-y-4"
      noValidate
      aria-label="Add a passkey"
      onSubmit={(event) => {
        event.preventDefault()
        void run()
      }}
    >
      <FormError message={error} />
      <Field label="Name (optional)" name="passkey_name" autoComplete="off" maxLength={64} hint="Which device or password manager holds it, such as “work laptop”" />
      <SubmitButton pending={pending}>{pending ? 'Waiting for your passkey…' : 'Add a passkey'}</SubmitButton>
    </form>
  )
}
