import { getEnv } from './env'

/**
 * An error as one log line: the innermost cause's name, code and message. Drizzle's own error
 * message lists the query's parameters (a password hash, say), so it is never printed.
 */
export function describeError(error: unknown): string {
  let inner = error
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause
  if (!(inner instanceof Error)) return 'non-Error thrown'
  if ('params' in inner) return `${inner.name}: query failed`
  const code = (inner as { code?: unknown }).code
  // A database error's message may quote the value it refused: its SQLSTATE says enough.
  // (A SQLSTATE has a digit: nodemailer's EAUTH is not one, and its message is worth keeping.)
  if (typeof code === 'string' && /^(?=.*\d)[0-9A-Z]{5}$/.test(code)) return `${inner.name} ${code}`
  return `${inner.name}${typeof code === 'string' ? ` ${code}` : ''}: ${inner.message}`
}

/**
 * One JSON line per authentication event, for operators (LOG_LEVEL=info, the default; OWASP ASVS
 * 5.0 V16.3.1). Fields are ids, reasons and addresses: never a password, a hash or a token (V16.2.5).
 */
export function logEvent(event: string, fields: Record<string, string | number | boolean | null>): void {
  if (getEnv().LOG_LEVEL !== 'info') return
  console.info(JSON.stringify({ time: new Date().toISOString(), event, ...fields }))
}
