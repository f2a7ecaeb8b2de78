'use client'

import type { ReactNode } from 'react'
import { useHydrated } from './use-hydrated'

type ButtonProps = { pending: boolean; children: ReactNode; className: string; autoFocus?: boolean } & (
  | { type: 'submit'; onClick?: never }
  | { type: 'button'; onClick: () => void }
)

// Disabled until hydrated, so a click that came before the page's script is never lost, and while
// a request is pending, so a form is not sent twice.
function Button({ pending, children, className, type, onClick, autoFocus }: ButtonProps) {
  const hydrated = useHydrated()
  return (
    <button type={type} onClick={onClick} disabled={!hydrated || pending} aria-busy={pending} autoFocus={autoFocus} className={className}>
      {children}
    </button>
  )
}

const PRIMARY =
  'justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2 focus:outline-none disabled:cursor-wait disabled:opacity-60'

/** The form's main button: the full width of the form, or `inline` beside a field (a search box). */
export function SubmitButton({ pending, inline = false, children }: { pending: boolean; inline?: boolean; children: ReactNode }) {
  return (
    <Button type="submit" pending={pending} className={`${inline ? 'inline-flex shrink-0' : 'flex w-full'} ${PRIMARY}`}>
      {children}
    </Button>
  )
}

/** `autoFocus` where it is the one thing to do in a part of the page that just appeared (a dialog, a step). */
export function SecondaryButton({ pending, onClick, autoFocus, children }: { pending: boolean; onClick: () => void; autoFocus?: boolean; children: ReactNode }) {
  return (
    <Button
      type="button"
      pending={pending}
      onClick={onClick}
      autoFocus={autoFocus}
      className="rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-gray-100 focus:ring-2 focus:ring-indigo-500 focus:outline-none disabled:opacity-60"
    >
      {children}
    </Button>
  )
}

/** Confirms an action that takes something away from someone (disable, sign out everywhere). */
export function DangerButton({ pending, onClick, children }: { pending: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <Button
      type="button"
      pending={pending}
      onClick={onClick}
      className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 focus:ring-2 focus:ring-red-600 focus:ring-offset-2 focus:outline-none disabled:cursor-wait disabled:opacity-60"
    >
      {children}
    </Button>
  )
}

/** Confirms an action that gives something (enable, make admin, unlock). */
export function ConfirmButton({ pending, onClick, children }: { pending: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <Button type="button" pending={pending} onClick={onClick} className={`inline-flex ${PRIMARY}`}>
      {children}
    </Button>
  )
}

/** A button that reads as a link: a switch between two ways of doing one thing. */
export function LinkButton({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  return (
    <Button type="button" pending={false} onClick={onClick} className="text-sm font-medium text-indigo-700 underline hover:text-indigo-900 disabled:opacity-60">
      {children}
    </Button>
  )
}
