import type { Metadata } from 'next'
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
      <body className="min-h-screen bg-gray-50 text-gray-900 antialiased">{children}</body>
    </html>
  )
}
