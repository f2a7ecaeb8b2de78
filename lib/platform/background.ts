import { after } from 'next/server'
import { holdOpenFor } from './db'
import { describeError } from './log'

/**
 * Runs `task` after the response (a mail to send: the answer must not wait for it, nor take longer
 * when there is one). Next's after() keeps a Vercel function alive for it; `npm start` lets it
 * finish before it closes the database. A failure is logged as `what` and never reaches the caller.
 */
export function afterResponse(what: string, task: () => Promise<void>): void {
  after(() => {
    const work = task().catch((error: unknown) => console.error(`${what}: ${describeError(error)}`))
    holdOpenFor(work)
    return work
  })
}
