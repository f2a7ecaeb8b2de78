'use client'

import { callApi, sendJson } from '@/app/api-client'
import { SecondaryButton } from '@/app/buttons'
import { PasskeyNotice } from '@/app/passkey-notice'
import { type PasskeySite, signWithPasskey, usePasskeyAction, usePasskeyPlace } from '@/app/passkeys'
import { FormError } from '@/app/ui'

/** The step-up by passkey: the first choice of the dialog, for a user who has one (nothing to type). */
export function StepUpPasskey({ site, onConfirmed }: { site: PasskeySite; onConfirmed: () => void }) {
  const place = usePasskeyPlace(site)
  const { pending, error, run } = usePasskeyAction(async () => {
    const passkey = await signWithPasskey(callApi('/api/users/me/reauth/options', { method: 'POST' }))
    return sendJson('POST', '/api/users/me/reauth', { passkey })
  }, onConfirmed)
  if (place !== null && place !== 'here') return <PasskeyNotice site={site} place={place} />
  return (
    <div className="space-y-3">
      <FormError message={error} />
      <SecondaryButton pending={pending} autoFocus onClick={run}>
        {pending ? 'Waiting for your passkey…' : 'Use a passkey'}
      </SecondaryButton>
    </div>
  )
}
