import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

// PGlite does not lock its data folder, and two processes that open the same folder silently
// lose writes (see docs/decisions/001-embedded-store-lock.md). This lock makes one process the
// owner: `<dir>.lock` names the owner, is created atomically, is removed on exit, and is taken
// over once its owner is dead.
//
// "Dead" is decided by the owner's socket, not its pid (docs/decisions/012-store-lock-liveness.md):
// the owner listens on a Unix domain socket of its own (a named pipe on Windows) and answers a
// newcomer's connection with the lock's nonce. A process that has exited holds no sockets, even
// while it waits as a zombie to be reaped, and a recycled pid does not listen on a socket named by
// a random id, so neither looks alive.
// What this assumes: the newcomer and the owner run on one kernel and see the same socket file.
// Two processes in one container, or containers on one host that mount the store's volume at the
// same path (the lock records the socket's absolute path), do; hosts sharing a network file system do not (a live owner there looks dead: unsupported, as
// it always was). The fallback under os.tmpdir() (for a path too long for a socket) is visible
// only to processes that share that tmp folder, i.e. one container.

export type LockOwner = { pid: number; command: string; since: string; nonce: string; socket?: string }

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

/** Takes the lock on `dir` or throws StoreLockedError; resolves to the function that releases it. */
export async function acquireStoreLock(dir: string): Promise<() => void> {
  const lockPath = `${dir}.lock`
  fs.mkdirSync(path.dirname(lockPath), { recursive: true })
  const nonce = randomUUID()
  // Listening before the lock exists: a newcomer that reads our lock can always reach us.
  const listener = await listen(path.resolve(dir), nonce)
  const owner: LockOwner = {
    pid: process.pid,
    command: process.argv.slice(1).map((arg) => path.basename(arg)).join(' ').slice(0, 200),
    since: new Date().toISOString(),
    nonce,
    socket: listener.path,
  }
  const content = JSON.stringify(owner)
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      if (tryCreate(lockPath, content)) {
        const release = (): void => {
          if (readRaw(lockPath) === content) fs.rmSync(lockPath, { force: true })
          listener.close()
          process.off('exit', release)
        }
        process.on('exit', release)
        return release
      }
      const raw = readRaw(lockPath)
      if (raw === null) continue // released between our two steps: try again
      const current = parseOwner(raw)
      if (current !== null && (await isAlive(current))) throw new StoreLockedError(dir, current)
      await removeStaleLock(path.resolve(dir), lockPath, raw, current)
    }
    throw new StoreLockedError(dir, null)
  } catch (error) {
    listener.close()
    throw error
  }
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
 * Removes a dead owner's lock, and the socket file its SIGKILL left behind. Two processes may find
 * the same stale lock at once; a takeover guard (mkdir is atomic) lets one of them check and
 * remove it, so a live owner's fresh lock is never removed by a process that read the stale one
 * a moment earlier.
 */
async function removeStaleLock(dir: string, lockPath: string, staleContent: string, stale: LockOwner | null): Promise<void> {
  const guard = `${lockPath}.takeover`
  try {
    fs.mkdirSync(guard)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    // Another process is taking over: give it a moment, then look again. A guard left by a
    // process killed mid-takeover expires.
    const stat = fs.statSync(guard, { throwIfNoEntry: false })
    if (stat !== undefined && Date.now() - stat.mtimeMs > 5_000) fs.rmSync(guard, { recursive: true, force: true })
    await sleep(50)
    return
  }
  try {
    if (readRaw(lockPath) === staleContent) {
      fs.rmSync(lockPath, { force: true })
      removeStaleSocket(dir, stale?.socket)
    }
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
    if (!Number.isInteger(value.pid) || value.pid! <= 0) return null
    if (value.socket !== undefined && typeof value.socket !== 'string') return null
    return value as LockOwner
  } catch {
    return null
  }
}

async function isAlive(owner: LockOwner): Promise<boolean> {
  if (owner.socket !== undefined) {
    // A connection dropped without the nonce is asked again: an exiting owner's socket is gone
    // within moments (then nothing listens), while a live owner out of file descriptors keeps
    // dropping them, and is alive.
    for (let probe = 0; probe < 5; probe++) {
      const answer = await answers(owner as LockOwner & { socket: string })
      if (answer !== 'dropped') return answer === 'alive'
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    return true
  }
  // A lock from a version before the socket: only its pid can tell. We always write a socket, so
  // one naming our own pid was left by an earlier process with that pid (a restarted container).
  if (owner.pid === process.pid) return false
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

// Nothing listens there: the owner exited (its sockets closed) and left the file, or never made it.
const GONE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'])

/**
 * Whether the owner answers on its socket with its nonce. The kernel completes a connect to a
 * listening socket even while its owner is busy or stopped, so a connect that hears nothing within
 * the timeout counts as alive, as does any doubt (EACCES). A connection closed without the nonce
 * is 'dropped': an owner exiting (a killed process shows as a zombie while its other threads are
 * still being torn down, and its socket closes last, dropping the connections it never accepted),
 * or one out of file descriptors; isAlive asks again to tell which.
 */
function answers(owner: LockOwner & { socket: string }): Promise<'alive' | 'gone' | 'dropped'> {
  return new Promise((resolve) => {
    const connection = net.connect(owner.socket)
    let connected = false
    let heard = ''
    const done = (answer: 'alive' | 'gone' | 'dropped'): void => {
      clearTimeout(timer)
      connection.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => done('alive'), 2_000)
    connection.setEncoding('utf8')
    connection.on('connect', () => (connected = true))
    connection.on('data', (chunk: string) => {
      heard += chunk
      // A nonce is 36 characters: anything longer is not our owner talking (another process that
      // took the socket's name: not the owner, who would answer with its nonce).
      if (heard.includes('\n') || heard.length > 64) done(heard.trim() === owner.nonce ? 'alive' : 'gone')
    })
    connection.on('error', (error: NodeJS.ErrnoException) => done(connected ? 'dropped' : GONE.has(error.code ?? '') ? 'gone' : 'alive'))
    connection.on('close', () => done('dropped'))
  })
}

type Listener = { path: string; close: () => void }

// sun_path holds 108 bytes on Linux and 104 on macOS and the BSDs, each with a closing NUL.
const MAX_SOCKET_PATH = process.platform === 'linux' ? 107 : 103

/**
 * Listens on a socket named by this owner's own id, so it never meets a stale file of the same
 * name: beside the store if the path fits in sun_path and the file system holds sockets, else in a
 * private folder under os.tmpdir() named by a hash of the store's path. On Windows, a named pipe,
 * which disappears with its process.
 */
async function listen(dir: string, nonce: string): Promise<Listener> {
  const id = nonce.slice(0, 8)
  if (process.platform === 'win32') return listenAt(`\\\\?\\pipe\\passgate-${hashOf(dir)}-${id}`, nonce)
  const beside = `${dir}.${id}.sock`
  if (Buffer.byteLength(beside) <= MAX_SOCKET_PATH) {
    try {
      return await listenAt(beside, nonce)
    } catch {
      // A file system without sockets (some FUSE and network mounts): the tmp folder has them.
    }
  }
  const fallback = path.join(privateTmpFolder(true), `${hashOf(dir)}.${id}.sock`)
  if (Buffer.byteLength(fallback) > MAX_SOCKET_PATH) throw new Error(`The store lock's socket path ${fallback} is too long: set TMPDIR to a shorter folder.`)
  return listenAt(fallback, nonce, true)
}

function listenAt(socketPath: string, nonce: string, inTmp = false): Promise<Listener> {
  return new Promise((resolve, reject) => {
    // A newcomer asks whether we are the owner its lock names: say so and hang up.
    const server = net.createServer((connection) => {
      connection.on('error', () => {})
      connection.end(`${nonce}\n`)
    })
    server.once('error', reject)
    server.listen(socketPath, () => {
      server.off('error', reject)
      server.on('error', () => {}) // an accept error must not take the app down
      server.unref() // the lock must not keep the process alive
      // Tmp cleaners (systemd-tmpfiles, tmpreaper) delete files untouched for days; without its
      // socket file a live owner would look dead.
      const touch = inTmp ? setInterval(() => fs.utimes(socketPath, new Date(), new Date(), () => {}), 3_600_000).unref() : undefined
      resolve({
        path: socketPath,
        close: () => {
          clearInterval(touch)
          server.close()
          if (process.platform !== 'win32') fs.rmSync(socketPath, { force: true })
        },
      })
    })
  })
}

/**
 * `<tmp>/passgate-<uid>`, mode 700. In a tmp folder other users can write to, a folder they made
 * (or a symlink to one) could hold a socket that answers for a dead owner, or let them remove ours.
 */
function privateTmpFolder(create: boolean): string {
  const folder = path.join(os.tmpdir(), `passgate-${process.getuid?.() ?? 'user'}`)
  if (!create) return folder
  try {
    fs.mkdirSync(folder, { mode: 0o700 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const stat = fs.lstatSync(folder)
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) {
    throw new Error(`${folder} must be a folder of this user's that others cannot open (mode 700): it holds the store lock's socket.`)
  }
  return folder
}

/**
 * Removes the socket file a dead owner left, but only a socket file at one of the two places we
 * name sockets for this store: the lock's content must not be able to name any file to remove.
 */
function removeStaleSocket(dir: string, socketPath: string | undefined): void {
  if (socketPath === undefined || process.platform === 'win32') return
  const id = /\.([0-9a-f]{8})\.sock$/.exec(socketPath)?.[1]
  if (id === undefined) return
  const places = [`${dir}.${id}.sock`, path.join(privateTmpFolder(false), `${hashOf(dir)}.${id}.sock`)]
  if (!places.includes(socketPath)) return
  if (fs.lstatSync(socketPath, { throwIfNoEntry: false })?.isSocket()) fs.rmSync(socketPath, { force: true })
}

function hashOf(dir: string): string {
  return createHash('sha256').update(dir).digest('hex').slice(0, 16)
}
