'use client'

import { field, requestToken, useApiForm } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { Field, FormError } from '@/app/ui'

export function LoginForm({ next }: { next: string }) {
  const { pending, error, onSubmit } = useApiForm(
    (form) => requestToken(field(form, 'username'), field(form, 'password')),
    // A full navigation, so the server renders `next` with the new cookies.
    () => window.location.assign(next),
  )
  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post">
      <FormError message={error?.message ?? null} />
      <Field label="Username" name="username" autoComplete="username" required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <SubmitButton pending={pending}>{pending ? 'Signing in…' : 'Sign in'}</SubmitButton>
    </form>
  )
}
