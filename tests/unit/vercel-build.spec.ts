import { spawnSync } from 'node:child_process'
import { expect, test } from '@playwright/test'

// `npm run vercel-build` (scripts/vercel-build.mjs), Vercel's build command: a production deploy
// without a database stops before it builds, in one line. Its other paths run `next build`, which
// would replace the build these tests run against: `.ci/run` runs them through `vercel build`.

test('a production deploy without DATABASE_URL fails its build in one line, before building', () => {
  const env = { ...process.env, VERCEL_ENV: 'production', DATABASE_URL: '', DATABASE_URL_UNPOOLED: '' }
  const result = spawnSync(process.execPath, ['scripts/vercel-build.mjs'], { env, encoding: 'utf8' })
  expect(result.status).toBe(1)
  expect(result.stdout).toBe('')
  expect(result.stderr).toBe(
    "vercel-build: DATABASE_URL is not set: a production deploy migrates its PostgreSQL database first. Set DATABASE_URL (and DATABASE_URL_UNPOOLED, the direct connection, for a pooled one) in the project's environment variables.\n",
  )
})
