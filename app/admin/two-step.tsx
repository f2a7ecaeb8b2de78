'use client'

import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { callApi, failureMessage } from '@/app/api-client'
import { SecondaryButton } from '@/app/buttons'
import { FormError } from '@/app/ui'
import type { MfaStatus } from '@/lib/accounts/second-factor'
import { ConfirmDialog } from './confirm-dialog'
import { ShownOnce } from './shown-once'
import { TotpSetup } from './totp-setup'

type Asking = 'new_codes' | 'turn_off'

/**
 * The account's second factor: off, a set-up (app/admin/totp-setup.tsx); on, how many recovery
 * codes are left, new ones, and turning it off. New recovery codes are shown once, and stay on
 * screen while the page renders its new state around them.
 */
export function TwoStep({ mfa, required }: { mfa: MfaStatus; required: boolean }) {
  const router = useRouter()
  const [codes, setCodes] = useState<string[] | null>(null)
  const [asking, setAsking] = useState<Asking | null>(null)
  const [acting, setActing] = useState(false)
  const [error, setError] = useState<string | null>(null)

  function show(newCodes: string[]) {
    setCodes(newCodes)
    // The page's state (on, codes left), the activity list and the directory's badge follow.
    router.refresh()
  }

  // MFA_REQUIRED keeps the user from dropping their last second factor: an app without passkeys.
  const mustKeep = required && mfa.passkeys === 0

  async function act() {
    if (asking === null) return
    setActing(true)
    setError(null)
    const response =
      asking === 'new_codes'
        ? await callApi('/api/users/me/mfa/recovery-codes', { method: 'POST' }).catch(() => null)
        : await callApi('/api/users/me/mfa/totp', { method: 'DELETE' }).catch(() => null)
    if (response?.ok) {
      if (asking === 'new_codes') show(((await response.json()) as { recovery_codes: string[] }).recovery_codes)
      else router.refresh()
    } else {
      setError(`${asking === 'new_codes' ? 'Could not make new recovery codes' : 'Could not turn two-step sign-in off'}: ${await failureMessage(response)}`)
    }
    setActing(false)
    setAsking(null)
  }

  return (
    <div className="space-y-4">
      {mfa.totp ? (
        <>
          <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-6 gap-y-2 text-sm">
            <dt className="font-medium text-gray-600">Status</dt>
            <dd>On: signing in asks for a code from your authenticator app after the password.</dd>
            <dt className="font-medium text-gray-600">Recovery codes</dt>
            <dd data-testid="recovery-codes-left">
              {mfa.recovery_codes_left} left
              {mfa.recovery_codes_left <= 3 ? <span className="block text-amber-900">Make new ones before you run out.</span> : null}
            </dd>
          </dl>
          <FormError message={error} />
          <div className="flex flex-wrap gap-3">
            <SecondaryButton pending={false} onClick={() => setAsking('new_codes')}>
              New recovery codes
            </SecondaryButton>
            {mustKeep ? null : (
              <SecondaryButton pending={false} onClick={() => setAsking('turn_off')}>
                Turn off
              </SecondaryButton>
            )}
          </div>
          {mustKeep ? <p className="text-sm text-gray-600">This server requires two-step sign-in for your account: it cannot be turned off.</p> : null}
        </>
      ) : (
        <TotpSetup required={mustKeep} onConfirmed={show} />
      )}

      {codes !== null ? (
        <ShownOnce
          heading="Save your recovery codes now: they will not be shown again"
          value={codes.join('\n')}
          testId="recovery-codes"
          filename="passgate-recovery-codes.txt"
          onDone={() => setCodes(null)}
        >
          <p>
            Each code signs you in once in place of a code from your app, if you lose your phone. Keep them apart from it: in a password manager, or
            printed. Making new ones voids these.
          </p>
        </ShownOnce>
      ) : null}

      <ConfirmDialog
        ask={
          asking === 'new_codes'
            ? {
                question: 'Make new recovery codes?',
                consequence: `${codesLeftText(mfa.recovery_codes_left)} You get 10 new ones, shown once.`,
                confirm: 'Make new codes',
                harmful: false,
              }
            : asking === 'turn_off'
              ? {
                  question: 'Turn two-step sign-in off?',
                  consequence: `${mfa.passkeys > 0 ? 'Signing in with your password will ask for a passkey after it.' : 'Signing in will ask for your password alone.'} Your authenticator app’s entry and your recovery codes stop working; setting it up again starts afresh.`,
                  confirm: 'Turn off',
                  harmful: true,
                }
              : null
        }
        pending={acting}
        onConfirm={act}
        onCancel={() => setAsking(null)}
      />
    </div>
  )
}

function codesLeftText(left: number): string {
  if (left === 0) return 'You have used every code you had.'
  return left === 1 ? 'The one code you have left stops working at once.' : `The ${left} codes you have left stop working at once.`
}
