import type { Metadata } from 'next'
import Link from 'next/link'
import { Card } from '@/app/ui'
import { VerifyEmail } from './verify-email'

// The address carries the verification token: no Referer may take it anywhere.
export const metadata: Metadata = { title: 'Verify your email address · passgate', referrer: 'no-referrer' }

export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams
  return (
    <Card title="Verify your email address">
      <VerifyEmail token={typeof token === 'string' && token !== '' ? token : null} />
      <p className="text-center text-sm text-gray-600">
        <Link href="/admin" className="font-medium text-indigo-600 hover:text-indigo-500">
          Go to your account
        </Link>
      </p>
    </Card>
  )
}
