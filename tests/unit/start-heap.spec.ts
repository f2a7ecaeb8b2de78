import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { expect, test } from '@playwright/test'

// `npm start` runs Node with flags that size V8's heap for a small server (package.json's start
// script; cluster workers inherit them): 192 MB of old generation, and semi-spaces of 16 MB, whose
// young generation V8 counts as three of them. Since Node 22 a semi-space may grow to 64 MB, and
// after load it stays there: 128 MB more resident memory per process
// (docs/decisions/017-node-lts-and-memory.md).

test("npm start's node flags cap V8's heap at 240 MB on this Node: 192 MB old generation, 48 MB young", () => {
  const { scripts } = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: { start: string } }
  const [node, ...args] = scripts.start.split(' ')
  expect(node).toBe('node')
  const flags = args.filter((arg) => arg.startsWith('--'))
  // A string, which `node -p` prints as it is: a number would come in colour under the runner's FORCE_COLOR.
  const result = spawnSync(process.execPath, [...flags, '-p', 'String(v8.getHeapStatistics().heap_size_limit / 2 ** 20)'], { encoding: 'utf8' })
  expect(result.stderr).toBe('')
  expect(result.stdout.trim(), `node ${flags.join(' ')} reported its heap limit in MB`).toBe('240')
})
