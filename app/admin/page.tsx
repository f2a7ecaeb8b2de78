import { redirect } from 'next/navigation'
import { LocalTime } from '@/app/local-time'
import { listDirectory, offersFirstAdmin } from '@/lib/operators/admin'
import { listEvents, listOwnEvents } from '@/lib/accounts/audit'
import { getPageSession, owesSecondFactor } from '@/lib/signin/auth'
import { mfaRequiredFor } from '@/lib/signin/mfa'
import { listKeys } from '@/lib/signin/keys'
import { loginPath } from '@/lib/request/next-path'
import { listNotes } from '@/lib/accounts/notes'
import { listPasskeys } from '@/lib/accounts/passkeys'
import { relyingParty } from '@/lib/signin/passkeys'
import { listSessions } from '@/lib/signin/sessions'
import { getUser } from '@/lib/accounts/users'
import { PASSWORD_HINT } from '@/lib/credentials/validation'
import { AccessTokens } from './access-tokens'
import { adminHref } from './admin-params'
import { AuditLog } from './audit-log'
import { EmailStatus } from './email-status'
import { FirstAdmin } from './first-admin'
import { NotesPanel } from './notes-panel'
import { Passkeys } from './passkeys'
import { PasswordForm } from './password-form'
import { ProfileForm } from './profile-form'
import { readAdminParams } from './read-admin-params'
import { Section } from './section'
import { SecurityActivity } from './security-activity'
import { SessionsTable } from './sessions-table'
import { SignOutButton } from './sign-out-button'
import { StepUpDialog } from './step-up-dialog'
import { TwoStep } from './two-step'
import { UserDirectory } from './user-directory'

export const metadata = { title: 'Your account · passgate' }

type SearchParams = Promise<Record<string, string | string[] | undefined>>

// proxy.ts already turned away visitors without a valid cookie; this check also sees ended
// sessions and disabled users, which only the database knows. A plain user gets their own account
// only: the directory and the audit log are neither rendered nor sent. A user whom MFA_REQUIRED
// covers and who has no second factor yet gets the set-ups alone, an authenticator app's or a
// passkey (the API refuses them the rest); the Two-step sign-in and Passkeys sections keep their
// place in the page either way, so that what they show (the recovery codes, a passkey's notice)
// stays on screen when the whole page renders after the set-up.
export default async function AdminPage({ searchParams }: { searchParams: SearchParams }) {
  const session = await getPageSession()
  if (session === null) redirect(loginPath('/admin'))
  const { user, sessionId, mfa } = session
  const isAdmin = user.role === 'admin'
  const enrolling = owesSecondFactor(session)
  const [data, passkeys] = await Promise.all([enrolling ? null : loadAccount(user.id, sessionId, isAdmin), listPasskeys(user.id)])
  const site = relyingParty()
  return (
    <main className={`mx-auto w-full space-y-6 px-4 py-8 sm:py-12 ${isAdmin && !enrolling ? 'max-w-6xl' : 'max-w-3xl'}`}>
      <header className="flex flex-wrap items-center justify-between gap-4">
        <h1 className="min-w-0 text-2xl font-bold tracking-tight wrap-anywhere">
          Signed in as <span data-testid="signed-in-as">{user.username}</span>
        </h1>
        <SignOutButton />
      </header>
      {/* Asks for a passkey, a code or the password when a request needs a more recent sign-in (app/api-client.ts). */}
      <StepUpDialog totp={mfa.totp} passkeys={site !== null && mfa.passkeys > 0 ? site : null} />
      {data === null ? null : (
        <>
          <SectionNav isAdmin={isAdmin} />
          {data.firstAdmin ? (
            <Section id="first-admin" title="No admin yet">
              <FirstAdmin />
            </Section>
          ) : null}
          <div className={isAdmin ? 'grid gap-6 lg:grid-cols-2' : 'space-y-6'}>
            <Section id="account" title="Your account">
              <dl className="mb-6 grid grid-cols-[max-content_minmax(0,1fr)] gap-x-6 gap-y-2 text-sm">
                <dt className="font-medium text-gray-600">Username</dt>
                <dd className="wrap-anywhere">{user.username}</dd>
                <dt className="font-medium text-gray-600">Email</dt>
                {/* Keyed by the address: a changed one starts without the old one's message. */}
                <dd>{user.email === null ? <span className="text-gray-600">none</span> : <EmailStatus key={user.email} email={user.email} verified={user.email_verified} />}</dd>
                <dt className="font-medium text-gray-600">Role</dt>
                <dd>{isAdmin ? 'Admin' : 'User'}</dd>
                <dt className="font-medium text-gray-600">Member since</dt>
                <dd>
                  <LocalTime iso={user.created_at} />
                </dd>
              </dl>
              <ProfileForm email={user.email} fullName={user.full_name} />
            </Section>
            <Section id="password" title="Change password">
              <PasswordForm passwordHint={PASSWORD_HINT} />
            </Section>
          </div>
        </>
      )}
      <Section
        id="two-step"
        title={enrolling ? 'Set up two-step sign-in' : 'Two-step sign-in'}
        description="A code from an app on your phone after your password: a stolen password alone does not sign anyone in."
      >
        <TwoStep mfa={mfa} required={mfaRequiredFor(user.role)} />
      </Section>
      <Section
        id="passkeys"
        title="Passkeys"
        description="Sign in with your fingerprint, face or device PIN instead of a password; a passkey works only on this site, so a fake one cannot catch it. It is also the second step after your password."
      >
        <Passkeys passkeys={passkeys} site={site} totp={mfa.totp} />
      </Section>
      {data === null ? null : (
        <>
          <Section id="notes" title="Your notes">
            <NotesPanel first={data.notes} />
          </Section>
          <Section id="sessions" title="Where you are signed in">
            <SessionsTable sessions={data.sessions} />
          </Section>
          <Section
            id="tokens"
            title="Access tokens"
            description="Personal access tokens for scripts: a token acts as you through the API, but cannot manage tokens, sessions, your password or other users."
          >
            <AccessTokens tokens={data.tokens} />
          </Section>
          <Section id="activity" title="Recent security activity" description="Sign-ins, wrong passwords and changes to your account. Something you do not recognize? Change your password and delete any access token you did not create.">
            <SecurityActivity events={data.events} />
          </Section>
          {isAdmin ? <AdminSections currentUserId={user.id} searchParams={await searchParams} /> : null}
        </>
      )}
    </main>
  )
}

/** What the account's sections show. */
async function loadAccount(userId: number, sessionId: string, isAdmin: boolean) {
  const [sessions, events, notes, tokens, firstAdmin] = await Promise.all([
    listSessions(userId, sessionId),
    listOwnEvents(userId),
    listNotes(userId),
    listKeys(userId),
    isAdmin ? false : offersFirstAdmin(),
  ])
  return { sessions, events, notes, tokens, firstAdmin }
}

/** Links to the page's sections: a long page on a phone, and longer for an admin. */
function SectionNav({ isAdmin }: { isAdmin: boolean }) {
  const links = [
    ['#account', 'Your account'],
    ['#password', 'Password'],
    ['#two-step', 'Two-step sign-in'],
    ['#passkeys', 'Passkeys'],
    ['#notes', 'Notes'],
    ['#sessions', 'Sessions'],
    ['#tokens', 'Access tokens'],
    ['#activity', 'Your activity'],
    ...(isAdmin ? [['#users', 'Users'], ['#audit', 'Audit log']] : []),
  ]
  return (
    <nav aria-label="On this page">
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {links.map(([href, label]) => (
          <li key={href}>
            <a href={href} className="font-medium text-indigo-700 underline hover:text-indigo-900">
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}

async function AdminSections({ currentUserId, searchParams }: { currentUserId: number; searchParams: Record<string, string | string[] | undefined> }) {
  const { params, searchError, filterError } = readAdminParams(searchParams)
  const [directory, audit, filteredUser] = await Promise.all([
    listDirectory(params.q, undefined),
    listEvents({ kind: params.kind, userId: params.user }),
    params.user === undefined ? null : getUser(params.user),
  ])
  return (
    <>
      <Section id="users" title="Users" description="Search by part of a username or email address, in any letter case.">
        <UserDirectory first={directory} params={params} searchError={searchError} currentUserId={currentUserId} />
      </Section>
      <Section id="audit" title="Audit log" description="Who did what to which account, from where; newest first.">
        {/* A new filter, or a new event after an action, starts the log over from its first page. */}
        <AuditLog
          key={`${adminHref(params)}|${audit.items[0]?.id ?? 0}`}
          first={audit}
          params={params}
          username={filteredUser?.username ?? null}
          filterError={filterError}
        />
      </Section>
    </>
  )
}
