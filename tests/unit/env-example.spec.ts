import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { envSchema } from '../../lib/platform/env'

// .env.example is where a new user learns what can be set: it must list every variable the code
// reads (lib/platform/env.ts's settings, and what scripts/ and lib/ read themselves), nothing else, and
// the defaults it shows must be the code's.

// The system's own, not passgate's settings (scripts/check-vercel-build.mjs runs the Vercel CLI).
const NOT_SETTINGS = new Set(['PATH', 'XDG_CACHE_HOME'])

/** [NAME, value] for every `NAME=value` line, commented out (`# NAME=value`) or not. */
function listed(): [string, string][] {
  const pairs: [string, string][] = []
  for (const line of fs.readFileSync('.env.example', 'utf8').split('\n')) {
    const match = /^#? ?([A-Z][A-Z0-9_]*)=(\S*)/.exec(line)
    if (match !== null) pairs.push([match[1]!, match[2]!])
  }
  return pairs
}

function readInCode(): Set<string> {
  const names = new Set(Object.keys(envSchema.shape))
  for (const folder of ['lib', 'scripts']) {
    for (const file of fs.readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|mjs|js)$/.test(file)) continue
      const source = fs.readFileSync(path.join(folder, file), 'utf8')
      for (const match of source.matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[['"]([A-Z_][A-Z0-9_]*)['"]\])/g)) names.add((match[1] ?? match[2])!)
    }
  }
  for (const name of NOT_SETTINGS) names.delete(name)
  return names
}

test('.env.example lists every variable the code reads, and only those', () => {
  const inFile = listed().map(([name]) => name)
  const inCode = readInCode()
  expect(inCode.size).toBeGreaterThan(40)
  expect([...inCode].filter((name) => !inFile.includes(name)), 'read by the code, missing from .env.example').toEqual([])
  expect(inFile.filter((name) => !inCode.has(name)), 'in .env.example, read by no code').toEqual([])
  expect(inFile.filter((name, i) => inFile.indexOf(name) !== i), 'listed twice').toEqual([])
})

test(".env.example shows lib/platform/env.ts's defaults", () => {
  const defaults = envSchema.parse({}) as Record<string, unknown>
  for (const [name, value] of listed()) {
    if (!(name in envSchema.shape) || defaults[name] === undefined) continue
    // As lib/platform/env.ts reads it: empty is unset.
    const parsed = envSchema.parse(value === '' ? {} : { [name]: value }) as Record<string, unknown>
    expect(parsed[name], `${name}=${value}`).toEqual(defaults[name])
  }
})
