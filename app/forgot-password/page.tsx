import { Card, CardFooter, TextLink } from '@/app/ui'
import { ForgotPasswordForm } from './forgot-password-form'

export const metadata = { title: 'Forgot your password · passgate' }

export default function ForgotPasswordPage() {
  return (
    <Card title="Reset your password">
      <ForgotPasswordForm />
      <CardFooter>
        Remembered it?{' '}
        <TextLink href="/login">Sign in</TextLink>
      </CardFooter>
    </Card>
  )
}
