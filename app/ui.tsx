import Link from 'next/link'
import type { InputHTMLAttributes, ReactNode } from 'react'

// The few building blocks the account pages share.

export function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="flex flex-1 items-center justify-center px-4 py-12">
      <div className="w-full max-w-md space-y-6 rounded-lg bg-white p-8 shadow">
        <h1 className="text-center text-2xl font-bold tracking-tight">{title}</h1>
        {children}
      </div>
    </main>
  )
}

/** The line under a card's form: where else to go. */
export function CardFooter({ children }: { children: ReactNode }) {
  return <p className="text-center text-sm text-gray-600">{children}</p>
}

/** A link in the pages' prose (another page of the flow: sign in, sign up, ask again). */
export function TextLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Link href={href} className="font-medium text-indigo-600 hover:text-indigo-500">
      {children}
    </Link>
  )
}

/** The look of a text box, for the controls Field does not make (a select). */
export const CONTROL =
  'block w-full rounded-md border border-gray-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500 focus:outline-none aria-invalid:border-red-500'

type FieldProps = InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; error?: string; hint?: string }

export function Field({ label, name, error, hint, ...input }: FieldProps) {
  const describedBy = error !== undefined ? `${name}-error` : hint !== undefined ? `${name}-hint` : undefined
  return (
    <div className="space-y-1">
      <label htmlFor={name} className="block text-sm font-medium text-gray-700">
        {label}
      </label>
      <input
        id={name}
        name={name}
        aria-invalid={error !== undefined}
        aria-describedby={describedBy}
        className={CONTROL}
        {...input}
      />
      {error !== undefined ? (
        <p id={`${name}-error`} className="text-sm text-red-600">
          {error}
        </p>
      ) : hint !== undefined ? (
        <p id={`${name}-hint`} className="text-xs text-gray-500">
          {hint}
        </p>
      ) : null}
    </div>
  )
}

export function FormError({ message }: { message: string | null }) {
  if (message === null) return null
  return (
    <p role="alert" data-testid="form-error" className="rounded-md bg-red-50 px-3 py-2 text-sm wrap-anywhere text-red-700">
      {message}
    </p>
  )
}

export function FormNotice({ message }: { message: string }) {
  return (
    <p role="status" className="rounded-md bg-green-50 px-3 py-2 text-sm wrap-anywhere text-green-800">
      {message}
    </p>
  )
}

/** "or" on a line across the form: between two ways of doing one thing (a password, a passkey). */
export function OrDivider() {
  return <p className="flex items-center gap-3 text-sm text-gray-600 before:h-px before:flex-1 before:bg-gray-200 after:h-px after:flex-1 after:bg-gray-200">or</p>
}
