import type { ReactNode } from 'react'

/** A titled card of /admin; `id` is also the fragment that links to it (`/admin#audit`). */
export function Section({ id, title, description, children }: { id: string; title: string; description?: string; children: ReactNode }) {
  return (
    <section id={id} className="min-w-0 scroll-mt-4 rounded-lg bg-white p-4 shadow sm:p-6" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className="text-lg font-semibold">
        {title}
      </h2>
      {description !== undefined ? <p className="mt-1 text-sm text-gray-600">{description}</p> : null}
      <div className="mt-4">{children}</div>
    </section>
  )
}
