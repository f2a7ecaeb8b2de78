import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { type LockOwner, StoreLockedError, acquireStoreLock } from '../../lib/platform/store-lock'
import { expect, test } from '../fixtures'
import { freshDataDir, processState } from '../servers'

// PGlite loses writes when two processes open one folder; these tests hold our lock to that. An
// owner is alive while its socket takes connections (docs/decisions/012-store-lock-liveness.md).

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
  return freshDataDir('lock')
}

function readLock(dir: string): LockOwner {
  return JSON.parse(fs.readFileSync(`${dir}.lock`, 'utf8')) as LockOwner
}

/** A lock as a dead owner left it: `pid` and a socket file that nothing listens on (or none). */
function writeLock(dir: string, fields: Partial<LockOwner>): void {
  const owner = { pid: 1, command: 'next-server', since: '2026-11-27T00:00:00.000Z', nonce: 'dead', ...fields }
  fs.writeFileSync(`${dir}.lock`, JSON.stringify(owner))
}

async function takeAndRelease(dir: string): Promise<void> {
  const release = await acquireStoreLock(dir)
  release()
}

/** Waits for `pattern` in the child's output. */
function watch(child: ChildProcess): (pattern: RegExp, timeoutMs?: number) => Promise<RegExpExecArray> {
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return async (pattern, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const match = pattern.exec(output)
      if (match !== null) return match
      if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${output}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

/** The process state letter from /proc (R, S, T for stopped, Z for zombie), or null if gone. */
test('a second process is refused at once, with a message naming the owner', async () => {
  const dir = path.join(tempDir(), 'pglite')
  const owner = await startChild(['hold', dir])
  try {
    const error = await acquireStoreLock(dir).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StoreLockedError)
    expect((error as Error).message).toContain(`in use by process ${owner.pid} (store-child.ts hold ${path.basename(dir)}, since 20`)
    expect((error as Error).message).toContain('DATABASE_URL')
  } finally {
    await killHard(owner)
  }
})

test('the lock of a killed process is taken over, and released on release()', async () => {
  const dir = path.join(tempDir(), 'pglite')
  await killHard(await startChild(['hold', dir]))
  // SIGKILL leaves both the lock and the socket file behind.
  const stale = readLock(dir).socket!
  expect(fs.lstatSync(stale).isSocket()).toBe(true)
  const release = await acquireStoreLock(dir)
  const socket = readLock(dir).socket!
  expect(readLock(dir).pid).toBe(process.pid)
  expect(path.dirname(socket)).toBe(path.dirname(path.resolve(dir))) // beside the store
  expect(fs.existsSync(stale)).toBe(false)
  expect(fs.lstatSync(socket).isSocket()).toBe(true)
  release()
  expect(fs.existsSync(`${dir}.lock`)).toBe(false)
  expect(fs.existsSync(socket)).toBe(false)
})

test('a lock naming a live but unrelated process (a recycled pid) that has no socket is taken over at once', async () => {
  const dir = path.join(tempDir(), 'pglite')
  const unrelated = spawn('sleep', ['30'])
  try {
    writeLock(dir, { pid: unrelated.pid!, socket: `${path.resolve(dir)}.0badc0de.sock` })
    expect(() => process.kill(unrelated.pid!, 0)).not.toThrow() // what fooled the pid check
    const started = Date.now()
    const release = await acquireStoreLock(dir)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(readLock(dir).pid).toBe(process.pid)
    release()
  } finally {
    unrelated.kill('SIGKILL')
  }
})

test('the lock of an owner killed and left a zombie (no init reaps it) is taken over at once', async () => {
  test.skip(process.platform !== 'linux', 'reads process states from /proc')
  const dir = path.join(tempDir(), 'pglite')
  // sh starts the owner, then becomes `sleep`, which never waits for it: like PID 1 in a container
  // without an init, it leaves the killed owner a zombie.
  const parent = spawn('sh', ['-c', '"$@" & echo "owner $!"; exec sleep 60', 'sh', process.execPath, '--import', 'tsx', 'tests/unit/store-child.ts', 'hold', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const until = watch(parent)
  try {
    const pid = Number((await until(/owner (\d+)/))[1])
    await until(/ready/)
    const stale = readLock(dir)
    expect(stale.pid).toBe(pid)
    process.kill(pid, 'SIGKILL')
    const deadline = Date.now() + 5_000
    while (processState(pid) !== 'Z' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(processState(pid)).toBe('Z')
    expect(() => process.kill(pid, 0)).not.toThrow() // what fooled the pid check
    const started = Date.now()
    const release = await acquireStoreLock(dir)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(readLock(dir).pid).toBe(process.pid)
    expect(fs.existsSync(stale.socket!)).toBe(false)
    release()
  } finally {
    parent.kill('SIGKILL')
  }
})

test('a live owner that is stopped (kill -STOP) is still refused: the kernel takes the connection', async () => {
  const dir = path.join(tempDir(), 'pglite')
  const owner = await startChild(['hold', dir])
  try {
    owner.kill('SIGSTOP')
    await expect(acquireStoreLock(dir)).rejects.toThrow(`in use by process ${owner.pid} (`)
  } finally {
    await killHard(owner)
  }
})

test('an owner that hangs up without its nonce (a process being torn down) is taken over', async () => {
  const dir = path.join(tempDir(), 'pglite')
  const socket = `${path.resolve(dir)}.0badc0de.sock`
  // What a killed process's socket does in its last moments: connections are dropped, then nothing
  // listens any more.
  const dying = net.createServer((connection) => connection.destroy())
  await new Promise<void>((resolve) => dying.listen(socket, resolve))
  setTimeout(() => dying.close(), 300)
  try {
    writeLock(dir, { pid: 999_999, socket })
    const release = await acquireStoreLock(dir)
    expect(readLock(dir).pid).toBe(process.pid)
    expect(fs.existsSync(socket)).toBe(false)
    release()
  } finally {
    dying.close()
  }
})

test('an owner that keeps hanging up without its nonce (out of file descriptors) is alive: refused', async () => {
  const dir = path.join(tempDir(), 'pglite')
  const socket = `${path.resolve(dir)}.0badf00d.sock`
  // libuv at its descriptor limit accepts each connection and closes it at once.
  const starved = net.createServer((connection) => connection.destroy())
  await new Promise<void>((resolve) => starved.listen(socket, resolve))
  try {
    writeLock(dir, { pid: 999_999, socket })
    await expect(acquireStoreLock(dir)).rejects.toThrow(StoreLockedError)
    expect(readLock(dir).socket).toBe(socket)
  } finally {
    starved.close()
  }
})

test('newcomers racing for a stale lock: exactly one wins, the others are refused naming it', async () => {
  test.setTimeout(60_000)
  const dir = path.join(tempDir(), 'pglite')
  await killHard(await startChild(['hold', dir]))
  const racers = [1, 2, 3].map(() =>
    spawn(process.execPath, ['--import', 'tsx', 'tests/unit/store-child.ts', 'race', dir], { stdio: ['pipe', 'pipe', 'pipe'] }),
  )
  try {
    const watches = racers.map(watch)
    await Promise.all(watches.map((until) => until(/loaded/)))
    for (const racer of racers) racer.stdin!.write('go\n')
    const results = await Promise.all(watches.map(async (until) => (await until(/won|refused .*/))[0]))
    const winners = racers.filter((_, index) => results[index] === 'won')
    expect(winners).toHaveLength(1)
    expect(readLock(dir).pid).toBe(winners[0]!.pid)
    for (const result of results.filter((result) => result !== 'won')) expect(result).toContain(`in use by process ${winners[0]!.pid} (`)
  } finally {
    for (const racer of racers) racer.kill('SIGKILL')
  }
})

test('openers in one process racing for a stale lock: exactly one wins', async () => {
  const dir = path.join(tempDir(), 'pglite')
  writeLock(dir, { pid: 999_999, socket: `${path.resolve(dir)}.0badc0de.sock` })
  const results = await Promise.allSettled([acquireStoreLock(dir), acquireStoreLock(dir), acquireStoreLock(dir)])
  const won = results.filter((result) => result.status === 'fulfilled')
  expect(won).toHaveLength(1)
  for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(StoreLockedError)
  const release = (won[0] as PromiseFulfilledResult<() => void>).value
  release()
})

test('a second opener in the same process is refused too', async () => {
  const dir = path.join(tempDir(), 'pglite')
  const release = await acquireStoreLock(dir)
  try {
    await expect(acquireStoreLock(dir)).rejects.toThrow(StoreLockedError)
  } finally {
    release()
  }
})

test('an unreadable lock file (a crash mid-write) is treated as stale', async () => {
  const dir = path.join(tempDir(), 'pglite')
  fs.writeFileSync(`${dir}.lock`, '{"pi')
  await takeAndRelease(dir)
})

test('a lock written before the socket (no socket named) is judged by its pid', async () => {
  const dir = path.join(tempDir(), 'pglite')
  const running = spawn('sleep', ['30'])
  try {
    writeLock(dir, { pid: running.pid! })
    await expect(acquireStoreLock(dir)).rejects.toThrow(`in use by process ${running.pid} (`)
  } finally {
    running.kill('SIGKILL')
  }
  writeLock(dir, { pid: 999_999 })
  await takeAndRelease(dir)
})

test('a store path too long for a socket listens in a private folder under the tmp folder', async () => {
  test.skip(process.platform === 'win32', 'named pipes have no such limit')
  const dir = path.join(tempDir(), 'a-long-folder-name-'.repeat(5), 'pglite')
  const release = await acquireStoreLock(dir)
  const socket = readLock(dir).socket!
  try {
    expect(path.dirname(socket)).toBe(path.join(os.tmpdir(), `passgate-${process.getuid!()}`))
    expect(fs.statSync(path.dirname(socket)).mode & 0o777).toBe(0o700)
    expect(fs.lstatSync(socket).isSocket()).toBe(true)
    await expect(acquireStoreLock(dir)).rejects.toThrow(StoreLockedError)
  } finally {
    release()
  }
  expect(fs.existsSync(socket)).toBe(false)
})

test('a tmp socket folder that others can open, or that is a symlink, is refused', async () => {
  test.skip(process.platform === 'win32', 'named pipes have no such folder')
  const saved = process.env.TMPDIR
  process.env.TMPDIR = tempDir()
  const folder = path.join(process.env.TMPDIR, `passgate-${process.getuid!()}`)
  const dir = path.join(tempDir(), 'a-long-folder-name-'.repeat(5), 'pglite')
  try {
    fs.mkdirSync(folder)
    fs.chmodSync(folder, 0o777) // as another user could have made it on a shared /tmp
    await expect(acquireStoreLock(dir)).rejects.toThrow('others cannot open (mode 700)')
    fs.rmdirSync(folder)
    fs.symlinkSync(tempDir(), folder)
    await expect(acquireStoreLock(dir)).rejects.toThrow('others cannot open (mode 700)')
    expect(fs.existsSync(`${dir}.lock`)).toBe(false)
  } finally {
    if (saved === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = saved
  }
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

test('a lock naming our own pid but not held by us (a restarted container) is stale', async () => {
  const dir = path.join(tempDir(), 'pglite')
  writeLock(dir, { pid: process.pid, command: 'earlier run', nonce: 'not-ours' })
  await takeAndRelease(dir)
  writeLock(dir, { pid: process.pid, command: 'earlier run', nonce: 'not-ours', socket: `${path.resolve(dir)}.0badc0de.sock` })
  await takeAndRelease(dir)
})
