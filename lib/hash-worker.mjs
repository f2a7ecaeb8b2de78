// One bcrypt operation per task, in a worker thread of the pool in lib/password.ts. Plain
// JavaScript, loaded by the worker from this file (not bundled by Next).
import os from 'node:os'
import bcrypt from 'bcryptjs'

// On Linux, scheduling priority is per thread: this lowers this worker only (libuv's
// setpriority(PRIO_PROCESS, 0) acts on the calling thread). While hashes queue, a request that
// needs a few milliseconds of the request thread still gets them. Elsewhere it would lower the
// whole process, so it is left alone.
if (process.platform === 'linux') os.setPriority(19)

/** @param {{ op: 'hash', password: string, cost: number } | { op: 'compare', password: string, hash: string }} task */
export default function run(task) {
  return task.op === 'hash' ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash)
}
