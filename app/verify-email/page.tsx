import type { Metadata } from 'next'
import { Card, CardFooter, TextLink } from '@/app/ui'
import { VerifyEmail } from './verify-email'

// The address carries the verification token: no Referer may take it anywhere.
export const metadata: Metadata = { title: 'Verify your email address · passgate', referrer: 'no-referrer' }

export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams
  return (
    <Card title="Verify your email address">
      <VerifyEmail token={typeof token === 'string' && token !== '' ? token : null} />
      <CardFooter>
        <TextLink href="/admin">Go to your account</TextLink>
      </CardFooter>
    </Card>
  )
}
