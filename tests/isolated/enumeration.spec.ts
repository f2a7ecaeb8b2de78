import { expect, test } from '../fixtures'
import { requestToken, signUp, uniqueName } from '../helpers'

// No user enumeration at login (OWASP ASVS 5.0 V6.3.8): an unknown user and a wrong password get
// the same status, body and headers, and take the same time. Timing is compared as medians over
// 50 interleaved tries each, after a few unmeasured warm-up rounds (distinct usernames, so no
// throttle is reached), on a machine no other test is loading (this project runs last).
// Tolerance: the medians within 10% of each other.
const TRIES = 50
const WARM_UP = 3
const TOLERANCE = 0.1

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const comparable = (response: Response) =>
  [...response.headers.entries()].filter(([name]) => name !== 'date').sort(([a], [b]) => a.localeCompare(b))

test('unknown user and wrong password: same answer, same median time', async () => {
  test.setTimeout(180_000)
  const known = await Promise.all(Array.from({ length: TRIES + WARM_UP }, () => signUp()))
  const timed = async (username: string) => {
    const started = performance.now()
    const response = await requestToken(username, 'definitely not the password')
    const elapsed = performance.now() - started
    return { response, elapsed, body: await response.text() }
  }
  const wrong: number[] = []
  const unknown: number[] = []
  for (let i = 0; i < TRIES + WARM_UP; i++) {
    const a = await timed(known[i]!.username)
    const b = await timed(uniqueName('nobody'))
    expect([a.response.status, b.response.status]).toEqual([401, 401])
    expect(a.body).toBe(b.body)
    expect(comparable(a.response)).toEqual(comparable(b.response))
    if (i < WARM_UP) continue
    wrong.push(a.elapsed)
    unknown.push(b.elapsed)
  }
  const [wrongMedian, unknownMedian] = [median(wrong), median(unknown)]
  const difference = Math.abs(wrongMedian - unknownMedian) / Math.max(wrongMedian, unknownMedian)
  const report = `median wrong password ${wrongMedian.toFixed(1)} ms, unknown user ${unknownMedian.toFixed(1)} ms, difference ${(difference * 100).toFixed(1)}%`
  console.log(report)
  test.info().annotations.push({ type: 'timing', description: report })
  expect(difference).toBeLessThan(TOLERANCE)
})
