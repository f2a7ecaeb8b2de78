import type { Metadata } from 'next'
import { Card, CardFooter, TextLink } from '@/app/ui'
import { PASSWORD_HINT } from '@/lib/credentials/validation'
import { ResetPasswordForm } from './reset-password-form'

// The address carries the reset token: no Referer may take it anywhere, whatever the site-wide
// headers say.
export const metadata: Metadata = { title: 'Choose a new password · passgate', referrer: 'no-referrer' }

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams
  return (
    <Card title="Choose a new password">
      <ResetPasswordForm token={typeof token === 'string' && token !== '' ? token : null} passwordHint={PASSWORD_HINT} />
      <CardFooter>
        <TextLink href="/login">Sign in</TextLink>
      </CardFooter>
    </Card>
  )
}
