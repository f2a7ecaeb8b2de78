import { expect, test } from '../fixtures'
import { enrolTotp, logIn, postJson, requestToken, signUp, uniqueName } from '../helpers'
import { tokenIn, uniqueEmail, waitForMail } from '../mailbox'

// No user enumeration at login (OWASP ASVS 5.0 V6.3.8): an unknown user and a wrong password get
// the same status, body and headers, and take the same time; so do password reset requests. Timing is compared as medians over
// 50 interleaved tries each, after a few unmeasured warm-up rounds (distinct usernames, so no
// throttle is reached), on a machine no other test is loading (this project runs last).
// Tolerance: the medians within 10% of each other.
const TRIES = 50
const WARM_UP = 3
const TOLERANCE = 0.1

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const comparable = (response: Response) =>
  [...response.headers.entries()].filter(([name]) => name !== 'date').sort(([a], [b]) => a.localeCompare(b))

type Timed = { response: Response; elapsed: number; body: string }

async function timed(send: () => Promise<Response>): Promise<Timed> {
  const started = performance.now()
  const response = await send()
  const elapsed = performance.now() - started
  return { response, elapsed, body: await response.text() }
}

/**
 * Sends the i-th request of each kind in turn (TRIES measured after WARM_UP unmeasured rounds),
 * checks that both get `status` with the same body and headers, and gives each kind's median time.
 */
async function interleaved(status: number, first: (i: number) => Promise<Response>, second: (i: number) => Promise<Response>): Promise<[number, number]> {
  const times: [number[], number[]] = [[], []]
  for (let i = 0; i < TRIES + WARM_UP; i++) {
    const a = await timed(() => first(i))
    const b = await timed(() => second(i))
    expect([a.response.status, b.response.status]).toEqual([status, status])
    expect(a.body).toBe(b.body)
    expect(comparable(a.response)).toEqual(comparable(b.response))
    if (i < WARM_UP) continue
    times[0].push(a.elapsed)
    times[1].push(b.elapsed)
  }
  return [median(times[0]), median(times[1])]
}

function report(description: string): void {
  console.log(description)
  test.info().annotations.push({ type: 'timing', description })
}

test('unknown user and wrong password: same answer, same median time', async () => {
  test.setTimeout(180_000)
  const known = await Promise.all(Array.from({ length: TRIES + WARM_UP }, () => signUp()))
  const [wrongMedian, unknownMedian] = await interleaved(
    401,
    (i) => requestToken(known[i]!.username, 'definitely not the password'),
    () => requestToken(uniqueName('nobody'), 'definitely not the password'),
  )
  const difference = Math.abs(wrongMedian - unknownMedian) / Math.max(wrongMedian, unknownMedian)
  report(`median wrong password ${wrongMedian.toFixed(1)} ms, unknown user ${unknownMedian.toFixed(1)} ms, difference ${(difference * 100).toFixed(1)}%`)
  expect(difference).toBeLessThan(TOLERANCE)
})

test('wrong password for an account with a second factor and for one without: same answer, same median time', async () => {
  test.setTimeout(180_000)
  // Whether an account has TOTP is said only to whoever has its password.
  const withTotp = await Promise.all(
    Array.from({ length: TRIES + WARM_UP }, async () => {
      const user = await signUp()
      await enrolTotp(await logIn(user.username))
      return user
    }),
  )
  const without = await Promise.all(Array.from({ length: TRIES + WARM_UP }, () => signUp()))
  const [totpMedian, plainMedian] = await interleaved(
    401,
    (i) => requestToken(withTotp[i]!.username, 'definitely not the password'),
    (i) => requestToken(without[i]!.username, 'definitely not the password'),
  )
  const difference = Math.abs(totpMedian - plainMedian) / Math.max(totpMedian, plainMedian)
  report(`median wrong password with TOTP ${totpMedian.toFixed(1)} ms, without ${plainMedian.toFixed(1)} ms, difference ${(difference * 100).toFixed(1)}%`)
  expect(difference).toBeLessThan(TOLERANCE)
})

test('password reset for a verified account and for an unknown address: same answer, same median time', async () => {
  test.setTimeout(180_000)
  // Accounts with a verified email: the ones a request really mails (and does the most work for).
  const known = await Promise.all(
    Array.from({ length: TRIES + WARM_UP }, async () => {
      const email = uniqueEmail('timed')
      await signUp({ email })
      const token = tokenIn(await waitForMail(email, { subject: /Confirm your email address/ }), '/verify-email')
      expect((await postJson('/api/email-verification/confirm', { token })).status).toBe(204)
      return email
    }),
  )
  const ask = (email: string) => postJson('/api/password-reset', { email })
  const [realMedian, unknownMedian] = await interleaved(202, (i) => ask(known[i]!), () => ask(uniqueEmail('nobody')))
  // Every real one was mailed: the work was done, after the answers.
  for (const email of known) await waitForMail(email, { subject: /Reset your password/ })
  const difference = Math.abs(realMedian - unknownMedian)
  report(`median reset request for a real account ${realMedian.toFixed(1)} ms, unknown address ${unknownMedian.toFixed(1)} ms, difference ${difference.toFixed(1)} ms`)
  // Milliseconds here, not a share: the request itself takes a few. Sending the mail on the
  // request path would add tens of milliseconds (an SMTP conversation) to the real ones.
  expect(difference).toBeLessThan(Math.max(3, TOLERANCE * Math.max(realMedian, unknownMedian)))
})
