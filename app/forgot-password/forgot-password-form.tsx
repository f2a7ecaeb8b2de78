'use client'

import { useState } from 'react'
import { field, sendJson, useApiForm } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { Field, FormError, FormNotice } from '@/app/ui'

/**
 * Asks for a reset link by email address or username. The answer is the same whether or not the
 * account exists, so the form gives way to it either way.
 */
export function ForgotPasswordForm() {
  const [sent, setSent] = useState<string | null>(null)
  const { pending, error, onSubmit } = useApiForm(
    (form) => {
      const account = field(form, 'account').trim()
      // A username cannot hold an "@", so one means an email address.
      return sendJson('POST', '/api/password-reset', account.includes('@') ? { email: account } : { username: account })
    },
    async (response) => setSent(((await response.json()) as { detail: string }).detail),
  )
  if (sent !== null) return <FormNotice message={sent} />
  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post" noValidate>
      <FormError message={error?.message ?? null} />
      <Field
        label="Email or username"
        name="account"
        autoComplete="username"
        required
        error={error?.fields.email ?? error?.fields.username}
        hint="The link goes to the account's verified email address. None? An administrator can make you a link."
      />
      <SubmitButton pending={pending}>{pending ? 'Sending…' : 'Send the link'}</SubmitButton>
    </form>
  )
}
