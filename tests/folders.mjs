// Where a test run keeps what it builds and stores: in .test/, apart from the .next/dev and .data
// of a developer's `npm run dev`, so that `npm test` runs beside it. Plain JavaScript, typed by
// folders.d.mts, because scripts/test-build.mjs runs without the TypeScript tools.

export const TEST_FOLDER = '.test'

/** The suite's `next build`, and its `next dev` in a `dev` folder inside: Next's distDir, passed as NEXT_DIST_DIR. */
export const TEST_DIST_DIR = `${TEST_FOLDER}/next`

/** The main test server's embedded store and development secret (its DATA_DIR). */
export const TEST_DATA_DIR = `${TEST_FOLDER}/data`
