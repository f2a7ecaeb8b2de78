import { Card, CardFooter, TextLink } from '@/app/ui'
import { safeNextPath } from '@/lib/request/next-path'
import { relyingParty } from '@/lib/signin/passkeys'
import { LoginForm } from './login-form'

export const metadata = { title: 'Sign in · passgate' }

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams
  const target = safeNextPath(typeof next === 'string' ? next : null)
  return (
    <Card title="Sign in to your account">
      {/* Null where this server has passkeys off (production without APP_URL): none is offered. */}
      <LoginForm next={target} passkeys={relyingParty()} />
      <p className="text-center text-sm">
        <TextLink href="/forgot-password">Forgot your password?</TextLink>
      </p>
      <CardFooter>
        No account yet?{' '}
        <TextLink href="/signup">Sign up</TextLink>
      </CardFooter>
    </Card>
  )
}
