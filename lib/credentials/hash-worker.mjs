// One bcrypt operation per task, in a worker thread of the pool in lib/credentials/password.ts. Plain
// JavaScript, loaded by the worker from this file (not bundled by Next).
import os from 'node:os'
import { workerData } from 'node:worker_threads'
import bcrypt from 'bcryptjs'

// HASH_NICE above 0 lowers this worker's priority: on Linux scheduling priority is per thread, so
// this worker only (libuv's setpriority(PRIO_PROCESS, 0) acts on the calling thread). Elsewhere it
// would lower the whole process, so it is left alone. The default, 0, keeps hashing at the request
// threads' priority (docs/decisions/008-processes-and-hash-workers.md).
if (process.platform === 'linux' && workerData.nice > 0) os.setPriority(workerData.nice)

/** @param {{ op: 'hash', password: string, cost: number } | { op: 'compare', password: string, hash: string }} task */
export default function run(task) {
  return task.op === 'hash' ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash)
}
