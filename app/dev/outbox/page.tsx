import { notFound } from 'next/navigation'
import { LocalTime } from '@/app/local-time'
import { listOutbox, outboxEnabled } from '@/lib/platform/mail'
import { linkify } from './linkify'

export const metadata = { title: 'Outbox · passgate' }

// The mail a development server would have sent, for following reset and verification links
// without a mail server. It holds live links to any account: it exists only where lib/platform/mail.ts
// keeps an outbox (development without SMTP_URL), and is a 404 everywhere else.
export default async function OutboxPage() {
  if (!outboxEnabled()) notFound()
  const messages = await listOutbox()
  return (
    <main className="mx-auto w-full max-w-3xl space-y-6 px-4 py-8 sm:py-12">
      <header className="space-y-1">
        <h1 className="text-2xl font-bold tracking-tight">Outbox</h1>
        <p className="text-sm text-gray-600">Mail this development server did not send (SMTP_URL is not set), newest first.</p>
      </header>
      {messages.length === 0 ? (
        <p className="text-sm text-gray-600">No mail yet.</p>
      ) : (
        <ul className="space-y-4" aria-label="Messages">
          {messages.map((message) => (
            <li key={message.id} data-testid="outbox-message" className="space-y-3 rounded-lg bg-white p-4 shadow sm:p-6">
              <h2 className="text-lg font-semibold wrap-anywhere">{message.subject}</h2>
              <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-6 gap-y-1 text-sm">
                <dt className="font-medium text-gray-600">To</dt>
                <dd className="wrap-anywhere">{message.to}</dd>
                <dt className="font-medium text-gray-600">At</dt>
                <dd>
                  <LocalTime iso={message.at} />
                </dd>
              </dl>
              <pre className="rounded bg-gray-50 px-3 py-2 text-sm whitespace-pre-wrap wrap-anywhere">{linkify(message.text)}</pre>
            </li>
          ))}
        </ul>
      )}
    </main>
  )
}
