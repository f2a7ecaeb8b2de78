import type { Metadata } from 'next'
import Link from 'next/link'
import { connection } from 'next/server'
import type { ReactNode } from 'react'
import './globals.css'

export const metadata: Metadata = {
  title: 'passgate',
  description: 'Sign up, sign in, and manage your account.',
}

// Every page renders per request, so each gets its own CSP nonce (proxy.ts) and none is
// prerendered without one.
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection()
  return (
    <html lang="en">
      <body className="flex min-h-screen flex-col bg-gray-50 text-gray-900 antialiased">
        {/* Every page names the product; its name leads to the visitor's account (or sign-in). */}
        <header className="mx-auto w-full max-w-6xl px-4 pt-4">
          <Link href="/admin" className="text-lg font-bold tracking-tight text-indigo-700 hover:text-indigo-900">
            passgate
          </Link>
        </header>
        {children}
      </body>
    </html>
  )
}
