import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { StoreLockedError, acquireStoreLock } from '../../lib/store-lock'

// PGlite loses writes when two processes open one folder; these tests hold our lock to that.

function startChild(args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/unit/store-child.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let output = ''
    let errors = ''
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()))
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('ready')) resolve(child)
      if (output.includes('failed')) reject(new Error(output))
    })
    child.on('exit', (code) => reject(new Error(`child exited with ${code}: ${output}${errors}`)))
  })
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'passgate-lock-'))
}

test('a second process is refused at once, with a message naming the owner', async () => {
  const dir = path.join(tempDir(), 'pglite')
  const owner = await startChild(['hold', dir])
  try {
    let error: unknown
    try {
      acquireStoreLock(dir)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(StoreLockedError)
    expect((error as Error).message).toContain(`in use by process ${owner.pid}`)
    expect((error as Error).message).toContain('DATABASE_URL')
  } finally {
    await killHard(owner)
  }
})

test('the lock of a killed process is taken over, and released on release()', async () => {
  const dir = path.join(tempDir(), 'pglite')
  await killHard(await startChild(['hold', dir]))
  expect(fs.existsSync(`${dir}.lock`)).toBe(true) // left behind by SIGKILL
  const release = acquireStoreLock(dir)
  expect(JSON.parse(fs.readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.pid)
  release()
  expect(fs.existsSync(`${dir}.lock`)).toBe(false)
})

test('a second opener in the same process is refused too', () => {
  const dir = path.join(tempDir(), 'pglite')
  const release = acquireStoreLock(dir)
  try {
    expect(() => acquireStoreLock(dir)).toThrow(StoreLockedError)
  } finally {
    release()
  }
})

test('an unreadable lock file (a crash mid-write) is treated as stale', () => {
  const dir = path.join(tempDir(), 'pglite')
  fs.writeFileSync(`${dir}.lock`, '{"pi')
  acquireStoreLock(dir)()
})

test('a sign-up acknowledged by the embedded store survives the process being killed', async () => {
  test.setTimeout(90_000)
  const dataDir = tempDir()
  const writer = await startChild(['create', 'durable_user', 'correct horse battery'], { DATA_DIR: dataDir, DATABASE_URL: '', BCRYPT_COST: '10' })
  // While the writer owns the store, a second process (as a CLI would) is refused.
  const refused = startChild(['check', 'durable_user', 'correct horse battery'], { DATA_DIR: dataDir, DATABASE_URL: '' })
  await expect(refused).rejects.toThrow(/in use by process/)
  await killHard(writer)

  const check = spawn(process.execPath, ['--import', 'tsx', 'tests/unit/store-child.ts', 'check', 'durable_user', 'correct horse battery'], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' },
  })
  let output = ''
  check.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise((resolve) => check.on('exit', resolve))
  expect(code).toBe(0)
  expect(output.trim()).toBe('{"ok":true}')
})

test('a lock naming our own pid but not held by us (a restarted container) is stale', () => {
  const dir = path.join(tempDir(), 'pglite')
  fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: process.pid, command: 'earlier run', since: '', nonce: 'not-ours' }))
  acquireStoreLock(dir)()
})
