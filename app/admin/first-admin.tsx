'use client'

import { useRouter } from 'next/navigation'
import { callApi, useApiForm } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { FormError } from '@/app/ui'

/** A development server without an admin offers the signed-in user the role (lib/operators/admin.ts). */
export function FirstAdmin() {
  const router = useRouter()
  // On success the page renders again, now with the directory and the audit log.
  const { pending, error, onSubmit } = useApiForm(
    () => callApi('/api/dev/first-admin', { method: 'POST' }),
    () => router.refresh(),
  )
  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate>
      <p className="text-sm text-gray-700">
        This development server has no admin yet. Make yourself its admin to see every user and the audit log. A production server never offers this: there,{' '}
        <code>npm run user:promote -- &lt;username&gt;</code> makes the first admin.
      </p>
      <FormError message={error?.message ?? null} />
      <SubmitButton pending={pending} inline>
        {pending ? 'Making you the admin…' : 'Make me the admin'}
      </SubmitButton>
    </form>
  )
}
