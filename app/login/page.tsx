import Link from 'next/link'
import { Card } from '@/app/ui'
import { safeNextPath } from '@/lib/next-path'
import { LoginForm } from './login-form'

export const metadata = { title: 'Sign in · passgate' }

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams
  const target = safeNextPath(typeof next === 'string' ? next : null)
  return (
    <Card title="Sign in to your account">
      <LoginForm next={target} />
      <p className="text-center text-sm">
        <Link href="/forgot-password" className="font-medium text-indigo-600 hover:text-indigo-500">
          Forgot your password?
        </Link>
      </p>
      <p className="text-center text-sm text-gray-600">
        No account yet?{' '}
        <Link href="/signup" className="font-medium text-indigo-600 hover:text-indigo-500">
          Sign up
        </Link>
      </p>
    </Card>
  )
}
