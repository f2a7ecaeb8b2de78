'use client'

import { useState } from 'react'
import { LinkButton } from './buttons'
import { Field } from './ui'

const KINDS = {
  app: {
    label: 'Code from your authenticator app',
    autoComplete: 'one-time-code',
    inputMode: 'numeric',
    hint: 'The 6 digits it shows for passgate.',
  },
  recovery: {
    label: 'Recovery code',
    autoComplete: 'off',
    autoCapitalize: 'none',
    hint: 'One of the codes you saved when you turned on two-step sign-in, such as abcde-23456. Each works once.',
  },
} as const

/**
 * The field for the second step of a sign-in: the six digits the authenticator app shows, or,
 * after "Use a recovery code instead", one of the recovery codes. The API takes either in the
 * same field; the switch changes what the field asks for and how a phone's keyboard and a password
 * manager help with it.
 */
export function CodeField({ name, error, autoFocus = false }: { name: string; error?: string; autoFocus?: boolean }) {
  const [kind, setKind] = useState<keyof typeof KINDS>('app')
  const [switched, setSwitched] = useState(false)
  return (
    <div className="space-y-2">
      {/* Keyed by kind: a switch starts with an empty box, and the focus goes to it. */}
      <Field key={kind} name={name} error={error} required spellCheck={false} autoFocus={autoFocus || switched} {...KINDS[kind]} />
      <LinkButton
        onClick={() => {
          setKind(kind === 'app' ? 'recovery' : 'app')
          setSwitched(true)
        }}
      >
        {kind === 'app' ? 'Use a recovery code instead' : 'Use your authenticator app instead'}
      </LinkButton>
    </div>
  )
}
