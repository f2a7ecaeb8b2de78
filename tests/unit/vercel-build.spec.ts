import { spawnSync } from 'node:child_process'
import { expect, test } from '@playwright/test'

// `npm run vercel-build` (scripts/vercel-build.mjs), Vercel's build command: a production deploy
// without a database stops before it builds, in one line. Its other paths run `next build`, which
// would replace the build these tests run against: `.ci/run` runs them through `vercel build`.

const build = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['scripts/vercel-build.mjs'], { env: { ...process.env, ...env }, encoding: 'utf8' })

test('a production deploy without DATABASE_URL fails its build in one line, before building', () => {
  // The direct URL alone is not enough: the functions would refuse to start without DATABASE_URL.
  for (const direct of ['', 'postgres://postgres@127.0.0.1:5432/direct']) {
    const result = build({ VERCEL_ENV: 'production', DATABASE_URL: '', DATABASE_URL_UNPOOLED: direct })
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      "vercel-build: DATABASE_URL is not set: a production deploy migrates its PostgreSQL database first. Set DATABASE_URL (and DATABASE_URL_UNPOOLED, the direct connection, for a pooled one) in the project's environment variables.\n",
    )
  }
})

test('on Vercel without VERCEL_ENV the build stops, rather than skip a production migration silently', () => {
  const result = build({ VERCEL: '1', VERCEL_ENV: '' })
  expect(result.status).toBe(1)
  expect(result.stdout).toBe('')
  expect(result.stderr).toContain('vercel-build: VERCEL_ENV is not set')
})
