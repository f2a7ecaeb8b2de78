import Link from 'next/link'
import { Card } from '@/app/ui'
import { ForgotPasswordForm } from './forgot-password-form'

export const metadata = { title: 'Forgot your password · passgate' }

export default function ForgotPasswordPage() {
  return (
    <Card title="Reset your password">
      <ForgotPasswordForm />
      <p className="text-center text-sm text-gray-600">
        Remembered it?{' '}
        <Link href="/login" className="font-medium text-indigo-600 hover:text-indigo-500">
          Sign in
        </Link>
      </p>
    </Card>
  )
}
