import fs from 'node:fs'
import path from 'node:path'
import type { FullResult, Reporter, Suite, TestCase } from '@playwright/test/reporter'

// Ends the run with one plain line that CI logs can be read by, "N passed, N failed, N skipped,
// N did not run", then why: each skip reason with its count, and what kept the others from running;
// and where the time went (.ci/run must stay under 20 minutes). Last, the run's temporary folder
// (playwright.config.ts): whatever of passgate's is left in it is named, fails the run, and goes
// with the folder.

/** Counts of equal lines, most frequent first: "  12  reason". */
function grouped(reasons: string[]): string[] {
  const counts = new Map<string, number>()
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1]).map(([reason, count]) => `  ${String(count).padStart(3)}  ${reason}`)
}

/** What the store lock keeps in a private folder under the tmp folder by design (lib/platform/store-lock.ts), and a socket in it is not. */
function isLockFolder(name: string, folder: string): boolean {
  return name === `passgate-${process.getuid?.() ?? 'user'}` && fs.readdirSync(folder).length === 0
}

/** "4 min 12 s", or "42 s". */
function duration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`
}

export default class SummaryReporter implements Reporter {
  private suite: Suite | undefined
  private configured = Date.now()
  private began = Date.now()

  onConfigure(): void {
    this.configured = Date.now()
  }

  onBegin(_config: unknown, suite: Suite): void {
    this.suite = suite
    this.began = Date.now()
  }

  async onEnd(result: FullResult): Promise<{ status: FullResult['status'] } | undefined> {
    const tests = this.suite?.allTests() ?? []
    const unfinished = new Set(tests.filter((test) => !test.ok() || test.results.length === 0).map((test) => test.parent.project()?.name))
    let passed = 0
    let failed = 0
    const skipped: string[] = []
    const notRun: string[] = []
    for (const test of tests) {
      const outcome = test.outcome()
      if (outcome === 'expected' || outcome === 'flaky') passed++
      else if (outcome === 'unexpected') failed++
      else if (test.results.length > 0 && test.expectedStatus === 'skipped') skipped.push(skipReason(test))
      else notRun.push(notRunReason(test, unfinished, result.status))
    }
    console.log(`\n${passed} passed, ${failed} failed, ${skipped.length} skipped, ${notRun.length} did not run`)
    if (skipped.length > 0) console.log(['Skipped:', ...grouped(skipped)].join('\n'))
    if (notRun.length > 0) console.log(['Did not run:', ...grouped(notRun)].join('\n'))
    console.log(this.timeSpent(tests))
    return this.checkTmpFolder()
  }

  /** The server's start, then each project from its first test's start to its last test's end. */
  private timeSpent(tests: TestCase[]): string {
    const spans = new Map<string, { start: number; end: number }>()
    for (const test of tests) {
      const name = test.parent.project()?.name ?? ''
      for (const result of test.results) {
        const start = result.startTime.getTime()
        const span = spans.get(name) ?? { start, end: start }
        spans.set(name, { start: Math.min(span.start, start), end: Math.max(span.end, start + result.duration) })
      }
    }
    const projects = [...spans].sort((a, b) => a[1].start - b[1].start).map(([name, span]) => `${name} ${duration(span.end - span.start)}`)
    return `Time: ${duration(Date.now() - this.configured)} in all; the test server's start ${duration(this.began - this.configured)}; ${projects.join(', ')}`
  }

  /** Names what the tests left in the run's temporary folder, and removes the folder. */
  private checkTmpFolder(): { status: FullResult['status'] } | undefined {
    const folder = process.env.TEST_RUN_TMPDIR
    if (folder === undefined || !fs.existsSync(folder)) return undefined
    // Only passgate's: the tools' own caches (Playwright's, tsx's) are theirs to keep.
    const left = fs.readdirSync(folder).filter((name) => name.startsWith('passgate-') && !isLockFolder(name, path.join(folder, name)))
    fs.rmSync(folder, { recursive: true, force: true })
    if (left.length === 0) return undefined
    console.log(`Left behind in the temporary folder (${folder}, now removed): ${left.join(', ')}. Whatever makes them must remove them, also when its test fails.`)
    return { status: 'failed' }
  }
}

function skipReason(test: TestCase): string {
  const annotations = [...test.annotations, ...(test.results.at(-1)?.annotations ?? [])]
  const skip = annotations.find((annotation) => annotation.type === 'skip' || annotation.type === 'fixme')
  return skip?.description ?? 'no reason given'
}

function notRunReason(test: TestCase, unfinished: Set<string | undefined>, status: FullResult['status']): string {
  if (test.results.some((result) => result.status === 'interrupted')) return 'interrupted'
  if (test.results.length > 0) return 'an earlier test of its serial group failed'
  const project = test.parent.project()
  const waitedFor = (project?.dependencies ?? []).filter((name) => unfinished.has(name))
  if (waitedFor.length > 0) return `project ${project?.name} runs only after ${waitedFor.join(', ')} passed, and it did not`
  if (status === 'timedout') return 'the run reached its time limit'
  if (status === 'interrupted') return 'the run was interrupted'
  return 'the run stopped before it (see the errors above)'
}
