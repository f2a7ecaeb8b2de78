import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from '@playwright/test'

// Migrations only add (docs/deployment.md promises it: an old and a new deploy share the database while a
// deploy rolls out, and a rollback runs on the newer schema). Anything that takes away or changes
// what old code reads or writes fails here, until a release plans it in two steps.
const TAKES_AWAY = [
  /\bdrop\s+(table|column|index|schema|type|view|constraint)\b/i,
  /\brename\b/i,
  /\balter\s+column\s+"?\w+"?\s+(set\s+data\s+)?type\b/i,
  /\bset\s+not\s+null\b/i,
  /\btruncate\b/i,
]

test('every migration only adds', () => {
  const files = fs.readdirSync('drizzle').filter((file) => file.endsWith('.sql'))
  expect(files.length).toBeGreaterThan(0)
  const found = files.flatMap((file) => {
    const sql = fs.readFileSync(path.join('drizzle', file), 'utf8')
    return TAKES_AWAY.filter((pattern) => pattern.test(sql)).map((pattern) => `${file}: ${pattern}`)
  })
  expect(found).toEqual([])
})
