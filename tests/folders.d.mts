/** Where a test run keeps what it builds and stores (see folders.mjs). */
export const TEST_FOLDER: string
/** The suite's `next build`, and its `next dev` in a `dev` folder inside. */
export const TEST_DIST_DIR: string
/** The main test server's embedded store and development secret. */
export const TEST_DATA_DIR: string
