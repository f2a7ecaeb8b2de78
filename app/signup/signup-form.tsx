'use client'

import { type FormEvent, useState } from 'react'
import { type FieldErrors, NETWORK_ERROR, readApiError, requestToken } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { Field, FormError } from '@/app/ui'
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS } from '@/lib/validation'

export function SignUpForm() {
  const [error, setError] = useState<string | null>(null)
  const [fields, setFields] = useState<FieldErrors>({})
  const [pending, setPending] = useState(false)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const value = (name: string) => String(form.get(name) ?? '')
    const optional = (name: string) => (value(name).trim() === '' ? undefined : value(name).trim())
    setPending(true)
    setError(null)
    setFields({})
    try {
      const response = await fetch('/api/users', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          username: value('username'),
          password: value('password'),
          email: optional('email'),
          full_name: optional('full_name'),
        }),
      })
      if (response.ok) {
        const login = await requestToken(value('username'), value('password'))
        window.location.assign(login.ok ? '/admin' : '/login')
        return
      }
      const problem = await readApiError(response)
      if (response.status === 409) setFields({ username: problem.message })
      else setFields(problem.fields)
      setError(problem.message)
    } catch {
      setError(NETWORK_ERROR.message)
    }
    setPending(false)
  }

  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post" noValidate>
      <FormError message={error} />
      <Field label="Username" name="username" autoComplete="username" required error={fields.username} hint="3 to 32 letters, digits, _ . or -" />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        error={fields.password}
        hint={`At least ${PASSWORD_MIN_CHARS} characters (at most ${PASSWORD_MAX_BYTES} bytes), not your username`}
      />
      <Field label="Email (optional)" name="email" type="email" autoComplete="email" error={fields.email} />
      <Field label="Full name (optional)" name="full_name" autoComplete="name" error={fields.full_name} />
      <SubmitButton pending={pending}>{pending ? 'Creating account…' : 'Sign up'}</SubmitButton>
    </form>
  )
}
