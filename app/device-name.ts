import UAParser from 'ua-parser-js'

// One way to name a device from its User-Agent, for the sessions table, the activity list and the
// audit log: "Chrome on Linux" says more to a person than the header does.

const LONGEST = 40

/** "Chrome on Linux", "Mobile Safari on iOS"; a script's own product ("curl/8.5.0"); or "Unknown device". */
export function deviceName(userAgent: string | null): string {
  if (userAgent === null || userAgent.trim() === '') return 'Unknown device'
  const { browser, os } = new UAParser(userAgent).getResult()
  if (browser.name !== undefined && os.name !== undefined) return `${browser.name} on ${os.name}`
  if (browser.name !== undefined) return browser.name
  if (os.name !== undefined) return `A browser on ${os.name}`
  // Not a browser the parser knows (curl, a script, an app): its first product token is the
  // most telling part, cut short so that a hostile header cannot stretch the page.
  const product = userAgent.trim().split(/\s+/)[0]!
  return product.length > LONGEST ? `${product.slice(0, LONGEST)}…` : product
}
