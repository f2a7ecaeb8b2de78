import { connection } from 'next/server'
import { Card, CardFooter, TextLink } from '@/app/ui'
import { getEnv } from '@/lib/platform/env'
import { PASSWORD_HINT } from '@/lib/credentials/validation'
import { SignUpForm } from './signup-form'

export const metadata = { title: 'Sign up · passgate' }

export default async function SignUpPage() {
  await connection() // SIGNUP is read at run time, not baked in at build time
  const open = getEnv().SIGNUP === 'open'
  return (
    <Card title="Create your account">
      {open ? <SignUpForm passwordHint={PASSWORD_HINT} /> : <p className="text-center text-sm text-gray-700">Sign-up is closed. Ask an administrator for an account.</p>}
      <CardFooter>
        Already have an account?{' '}
        <TextLink href="/login">Sign in</TextLink>
      </CardFooter>
    </Card>
  )
}
