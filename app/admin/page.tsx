import { redirect } from 'next/navigation'
import { getPageSession } from '@/lib/auth'
import { listSessions } from '@/lib/sessions'
import { loginPath } from '@/lib/next-path'
import { PASSWORD_HINT } from '@/lib/validation'
import { PasswordForm } from './password-form'
import { ProfileForm } from './profile-form'
import { SessionsTable } from './sessions-table'
import { SignOutButton } from './sign-out-button'

export const metadata = { title: 'Your account · passgate' }

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section className="rounded-lg bg-white p-6 shadow" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className="mb-4 text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  )
}

// proxy.ts already turned away visitors without a valid cookie; this check also sees ended
// sessions and disabled users, which only the database knows.
export default async function AdminPage() {
  const session = await getPageSession()
  if (session === null) redirect(loginPath('/admin'))
  const { user, sessionId } = session
  const sessions = await listSessions(user.id, sessionId)
  return (
    <main className="mx-auto max-w-3xl space-y-6 px-4 py-12">
      <header className="flex items-center justify-between">
        <h1 className="text-2xl font-bold tracking-tight">
          Signed in as <span data-testid="signed-in-as">{user.username}</span>
        </h1>
        <SignOutButton />
      </header>
      <Section id="account" title="Your account">
        <dl className="mb-6 grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm">
          <dt className="font-medium text-gray-600">Username</dt>
          <dd>{user.username}</dd>
          <dt className="font-medium text-gray-600">Role</dt>
          <dd>{user.role}</dd>
          <dt className="font-medium text-gray-600">Member since</dt>
          <dd>{new Date(user.created_at).toUTCString()}</dd>
        </dl>
        <ProfileForm email={user.email} fullName={user.full_name} />
      </Section>
      <Section id="password" title="Change password">
        <PasswordForm passwordHint={PASSWORD_HINT} />
      </Section>
      <Section id="sessions" title="Where you are signed in">
        <SessionsTable sessions={sessions} />
      </Section>
    </main>
  )
}
