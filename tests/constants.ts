// Shared by the test server (tests/server.ts, a plain process) and the tests.

export const PASSWORD = 'correct horse battery'

/** The admin tests/server.ts makes before the server starts. */
export const ROOT_ADMIN = 'root_admin'
