import { redirect } from 'next/navigation'
import { getPageUser } from '@/lib/auth'
import { SignOutButton } from './sign-out-button'

export const metadata = { title: 'Your account · passgate' }

// proxy.ts already turned away visitors without a valid cookie; this check also sees ended
// sessions and disabled users, which only the database knows.
export default async function AdminPage() {
  const user = await getPageUser()
  if (user === null) redirect('/login?next=/admin')
  const details: [string, string][] = [
    ['Username', user.username],
    ['Email', user.email ?? '—'],
    ['Full name', user.full_name ?? '—'],
    ['Role', user.role],
    ['Member since', new Date(user.created_at).toUTCString()],
  ]
  return (
    <main className="mx-auto max-w-3xl space-y-6 px-4 py-12">
      <header className="flex items-center justify-between">
        <h1 className="text-2xl font-bold tracking-tight">
          Signed in as <span data-testid="signed-in-as">{user.username}</span>
        </h1>
        <SignOutButton />
      </header>
      <section className="rounded-lg bg-white p-6 shadow" aria-labelledby="account-heading">
        <h2 id="account-heading" className="mb-4 text-lg font-semibold">
          Your account
        </h2>
        <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm">
          {details.map(([term, value]) => (
            <div key={term} className="contents">
              <dt className="font-medium text-gray-600">{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
    </main>
  )
}
