import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

// PGlite does not lock its data folder, and two processes that open the same folder silently
// lose writes (see docs/decisions/001-embedded-store-lock.md). This lock makes one process the
// owner: `<dir>.lock` holds the owner's pid, is created atomically, is removed on exit, and is
// taken over once its owner is dead.

export type LockOwner = { pid: number; command: string; since: string; nonce: string }

// The locks this process holds, by nonce. A lock that names our own pid but not one of these was
// left by an earlier process that had the same pid (common in containers): it is stale.
const held = ((globalThis as typeof globalThis & { passgateHeldLocks?: Set<string> }).passgateHeldLocks ??= new Set())

export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: LockOwner | null,
  ) {
    const who =
      owner === null
        ? 'another process'
        : `process ${owner.pid} (${owner.command || 'unknown command'}, since ${owner.since})`
    super(
      `The embedded database in ${dir} is in use by ${who}. ` +
        'Stop that process first, or set DATABASE_URL to use a PostgreSQL server that many processes can share.',
    )
    this.name = 'StoreLockedError'
  }
}

/** Takes the lock on `dir` or throws StoreLockedError; returns the function that releases it. */
export function acquireStoreLock(dir: string): () => void {
  const lockPath = `${dir}.lock`
  fs.mkdirSync(path.dirname(lockPath), { recursive: true })
  const owner: LockOwner = {
    pid: process.pid,
    command: process.argv.slice(1).map((arg) => path.basename(arg)).join(' ').slice(0, 200),
    since: new Date().toISOString(),
    nonce: randomUUID(),
  }
  const content = JSON.stringify(owner)
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(lockPath, content)) {
      held.add(owner.nonce)
      const release = (): void => {
        if (readRaw(lockPath) === content) fs.rmSync(lockPath, { force: true })
        held.delete(owner.nonce)
        process.off('exit', release)
      }
      process.on('exit', release)
      return release
    }
    const raw = readRaw(lockPath)
    if (raw === null) continue // released between our two steps: try again
    const current = parseOwner(raw)
    if (current !== null && isAlive(current)) throw new StoreLockedError(dir, current)
    removeStaleLock(lockPath, raw)
  }
  throw new StoreLockedError(dir, null)
}

/** Creates the lock file with its whole content in one atomic step (link fails if it exists). */
function tryCreate(lockPath: string, content: string): boolean {
  const temporary = `${lockPath}.${process.pid}.${randomUUID()}`
  fs.writeFileSync(temporary, content, { mode: 0o644 })
  try {
    fs.linkSync(temporary, lockPath)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    fs.rmSync(temporary, { force: true })
  }
}

/**
 * Removes a dead owner's lock. Two processes may find the same stale lock at once; a takeover
 * guard (mkdir is atomic) lets one of them check and remove it, so a live owner's fresh lock is
 * never removed by a process that read the stale one a moment earlier.
 */
function removeStaleLock(lockPath: string, staleContent: string): void {
  const guard = `${lockPath}.takeover`
  try {
    fs.mkdirSync(guard)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    // Another process is taking over: give it a moment, then look again. A guard left by a
    // process killed mid-takeover expires.
    const stat = fs.statSync(guard, { throwIfNoEntry: false })
    if (stat !== undefined && Date.now() - stat.mtimeMs > 5_000) fs.rmSync(guard, { recursive: true, force: true })
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
    return
  }
  try {
    if (readRaw(lockPath) === staleContent) fs.rmSync(lockPath, { force: true })
  } finally {
    fs.rmSync(guard, { recursive: true, force: true })
  }
}

function readRaw(lockPath: string): string | null {
  try {
    return fs.readFileSync(lockPath, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

function parseOwner(raw: string): LockOwner | null {
  try {
    const value = JSON.parse(raw) as Partial<LockOwner>
    // pid 0 and negative pids address process groups: kill(0, 0) would always "succeed".
    return Number.isInteger(value.pid) && value.pid! > 0 ? (value as LockOwner) : null
  } catch {
    return null
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.pid === process.pid) return held.has(owner.nonce)
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
