'use client'

import { SEE_FIELDS, field, requestToken, sendJson, useApiForm } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { Field, FormError } from '@/app/ui'

const optional = (form: FormData, name: string) => field(form, name).trim() || undefined

export function SignUpForm({ passwordHint }: { passwordHint: string }) {
  const { pending, error, onSubmit } = useApiForm(
    (form) =>
      sendJson('POST', '/api/users', {
        username: field(form, 'username'),
        password: field(form, 'password'),
        email: optional(form, 'email'),
        full_name: optional(form, 'full_name'),
      }),
    async (_response, element) => {
      const form = new FormData(element)
      const login = await requestToken(field(form, 'username'), field(form, 'password'))
      window.location.assign(login.ok ? '/admin' : '/login')
    },
  )
  // A taken name is said once, beside the field; the form's alert points there.
  const taken = error?.status === 409
  const fields: Record<string, string | undefined> = { ...error?.fields, ...(taken ? { username: error.message } : {}) }
  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post" noValidate>
      <FormError message={taken ? SEE_FIELDS : (error?.message ?? null)} />
      <Field label="Username" name="username" autoComplete="username" required error={fields.username} hint="3 to 32 letters, digits, _ . or -" />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        error={fields.password}
        hint={passwordHint}
      />
      <Field
        label="Email (optional)"
        name="email"
        type="email"
        autoComplete="email"
        error={fields.email}
        hint="Without a verified email you cannot reset a forgotten password yourself: only an admin can."
      />
      <Field label="Full name (optional)" name="full_name" autoComplete="name" error={fields.full_name} />
      <SubmitButton pending={pending}>{pending ? 'Creating account…' : 'Sign up'}</SubmitButton>
    </form>
  )
}
