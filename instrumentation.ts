// Runs once when the server starts (`next start`, `next dev`; never during `next build`).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { startServer } = await import('./lib/request/startup')
    startServer()
  }
}
