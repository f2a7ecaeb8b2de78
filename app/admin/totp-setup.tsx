'use client'

import QRCode from 'qrcode'
import { useEffect, useRef, useState } from 'react'
import { callApi, failureMessage, field, sendJson, useApiForm } from '@/app/api-client'
import { SecondaryButton, SubmitButton } from '@/app/buttons'
import { Field, FormError } from '@/app/ui'

type Started = { secret: string; otpauth_uri: string }

/**
 * Turning two-step sign-in on: a new secret from the server, shown as a QR code (drawn here, in
 * the browser: the secret goes to no other service) and as text to type in; the first code from
 * the app confirms it, and the server answers with the recovery codes.
 */
export function TotpSetup({ required, onConfirmed }: { required: boolean; onConfirmed: (recoveryCodes: string[]) => void }) {
  const [started, setStarted] = useState<Started | null>(null)
  const [starting, setStarting] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function start() {
    setStarting(true)
    setError(null)
    // A second start replaces a set-up never confirmed (a reload, another tab).
    const response = await callApi('/api/users/me/mfa/totp', { method: 'POST' }).catch(() => null)
    if (response?.ok) setStarted((await response.json()) as Started)
    else setError(`Could not start the set-up: ${await failureMessage(response)}`)
    setStarting(false)
  }

  if (started === null) {
    return (
      <div className="space-y-4">
        <p className="text-sm text-gray-700">
          {required ? 'This server requires a second factor for your account: set up an authenticator app, or add a passkey below, to carry on. ' : 'Off. '}
          You need an authenticator app on your phone, such as Google Authenticator, Microsoft Authenticator or a password manager.
        </p>
        <FormError message={error} />
        <SecondaryButton pending={starting} onClick={start}>
          {starting ? 'Starting…' : 'Set up'}
        </SecondaryButton>
      </div>
    )
  }
  return <ConfirmSetup started={started} onConfirmed={onConfirmed} onCancel={() => setStarted(null)} />
}

function ConfirmSetup({ started, onConfirmed, onCancel }: { started: Started; onConfirmed: (recoveryCodes: string[]) => void; onCancel: () => void }) {
  // The button that was clicked is gone: the focus goes to the first step, to be read from there.
  const first = useRef<HTMLParagraphElement>(null)
  useEffect(() => first.current?.focus(), [])
  const { pending, error, onSubmit } = useApiForm(
    (form) => sendJson('POST', '/api/users/me/mfa/totp/confirm', { otp: field(form, 'totp_code') }),
    async (response) => onConfirmed(((await response.json()) as { recovery_codes: string[] }).recovery_codes),
  )
  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate aria-label="Set up two-step sign-in">
      <ol className="list-decimal space-y-4 pl-5 text-sm text-gray-700">
        <li className="space-y-2">
          <p ref={first} tabIndex={-1} className="focus:outline-none">
            In your authenticator app, add an account and scan this QR code.
          </p>
          <QrCode text={started.otpauth_uri} />
          <p>Or, if you cannot scan it, type in this key:</p>
          {/* In groups of four, as authenticator apps show it; they ignore the spaces. */}
          <code data-testid="totp-secret" className="block rounded bg-gray-100 px-3 py-2 font-mono break-all">
            {started.secret.match(/.{1,4}/g)?.join(' ')}
          </code>
        </li>
        <li>
          <p className="mb-2">Enter the code the app shows for passgate.</p>
          <FormError message={error !== null && error.status !== 400 ? error.message : null} />
          <Field
            label="Code from your authenticator app"
            name="totp_code"
            autoComplete="one-time-code"
            inputMode="numeric"
            required
            error={error?.status === 400 ? error.message : error?.fields.otp}
          />
        </li>
      </ol>
      <div className="flex flex-wrap items-center gap-3">
        <SubmitButton pending={pending} inline>
          {pending ? 'Checking…' : 'Turn on'}
        </SubmitButton>
        <SecondaryButton pending={pending} onClick={onCancel}>
          Cancel
        </SecondaryButton>
      </div>
    </form>
  )
}

/** The otpauth:// address as a QR code, drawn as SVG in the browser. */
function QrCode({ text }: { text: string }) {
  const [src, setSrc] = useState<string | null>(null)
  useEffect(() => {
    let current = true
    void QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }).then((svg) => {
      if (current) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`)
    })
    return () => {
      current = false
    }
  }, [text])
  // The same size before and after it is drawn: nothing below it moves.
  return src === null ? (
    <div className="size-48 rounded border border-gray-200" />
  ) : (
    <img src={src} alt="QR code of the key, for your authenticator app" width={192} height={192} className="size-48 rounded border border-gray-200" />
  )
}
