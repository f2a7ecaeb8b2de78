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
  return `${inner.name}${typeof code === 'string' ? ` ${code}` : ''}: ${inner.message}`
}
