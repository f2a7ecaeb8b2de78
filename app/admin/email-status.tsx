'use client'

import { useState } from 'react'
import { callApi, failureMessage } from '@/app/api-client'
import { SecondaryButton } from '@/app/buttons'
import { FormError, FormNotice } from '@/app/ui'
import { VerifiedBadge } from './status-badges'

/** The account's email address, whether it is verified, and until it is, a way to mail the link again. */
export function EmailStatus({ email, verified }: { email: string; verified: boolean }) {
  const [pending, setPending] = useState(false)
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null)

  async function resend() {
    setPending(true)
    setOutcome(null)
    const response = await callApi('/api/users/me/email-verification', { method: 'POST' }).catch(() => null)
    if (response?.ok) setOutcome({ ok: true, message: ((await response.json()) as { detail: string }).detail })
    else setOutcome({ ok: false, message: await failureMessage(response) })
    setPending(false)
  }

  return (
    <div className="space-y-2">
      <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <span className="min-w-0 wrap-anywhere">{email}</span>
        <VerifiedBadge verified={verified} />
      </p>
      {verified ? null : (
        <SecondaryButton pending={pending} onClick={resend}>
          {pending ? 'Sending…' : 'Send the link again'}
        </SecondaryButton>
      )}
      {outcome === null ? null : outcome.ok ? <FormNotice message={outcome.message} /> : <FormError message={outcome.message} />}
    </div>
  )
}
