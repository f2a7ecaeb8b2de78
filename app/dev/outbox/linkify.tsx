import type { ReactNode } from 'react'

// An http(s) address in running text, up to the next space; punctuation that ends a sentence
// after it is left out.
const URL_PATTERN = /https?:\/\/\S+?(?=[.,;:!?)\]'"]*(?:\s|$))/g

/** The text with each http(s) address made a link to itself; everything else stays text. */
export function linkify(text: string): ReactNode[] {
  const parts: ReactNode[] = []
  let last = 0
  for (const match of text.matchAll(URL_PATTERN)) {
    parts.push(text.slice(last, match.index))
    parts.push(
      <a key={match.index} href={match[0]} className="text-indigo-700 underline hover:text-indigo-900">
        {match[0]}
      </a>,
    )
    last = match.index + match[0].length
  }
  parts.push(text.slice(last))
  return parts
}
