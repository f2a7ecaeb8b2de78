import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from '@playwright/test'

// The README is short and links to docs/ for everything else: a link that leads nowhere (a file
// moved, a heading renamed) would strand a reader. Every relative link and image in README.md
// and docs/**/*.md (and lib/'s folder notes) must name a file in the repository, and its #anchor a heading of that file,
// with the anchor made as GitHub makes it.

/** README.md and every Markdown file under docs/ and lib/ (where there is one), relative to `root`. */
function documents(root: string): string[] {
  const under = (folder: string) =>
    fs.existsSync(path.join(root, folder))
      ? fs.readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.md')).map((file) => path.join(folder, file))
      : []
  return ['README.md', ...[...under('docs'), ...under('lib')].sort()]
}

/** The lines of a Markdown file outside fenced code blocks, where headings and links are read. */
function proseLines(markdown: string): string[] {
  let fence: string | null = null
  return markdown.split('\n').filter((line) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1]
    if (marker !== undefined && (fence === null || fence === marker)) {
      fence = fence === null ? marker : null
      return false
    }
    return fence === null
  })
}

/**
 * A heading's anchor as GitHub makes it: the text as rendered (code spans and links unwrapped),
 * lowercased, punctuation removed, each space a hyphen; the second of a name gets `-1`, the third `-2`.
 */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`([^`]*)`/g, '$1').replace(/<[^>]+>/g, '')
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    result.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return result
}

/** Each relative link or image of `file` (relative to `root`) that leads nowhere, with the reason. */
function brokenLinks(root: string, file: string): string[] {
  const markdown = fs.readFileSync(path.join(root, file), 'utf8')
  const broken: string[] = []
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/`[^`]*`/g, '')
    for (const [, target] of prose.matchAll(/\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue // https:, mailto: and the like
      const [pathPart, anchor] = target!.split('#', 2) as [string, string | undefined]
      const resolved = pathPart === '' ? path.join(root, file) : path.resolve(root, path.dirname(file), decodeURI(pathPart))
      const inside = path.relative(root, resolved)
      if (inside.startsWith('..') || path.isAbsolute(inside)) {
        broken.push(`${file}: ${target} is outside the repository`)
      } else if (!fs.existsSync(resolved)) {
        broken.push(`${file}: ${target} names no file`)
      } else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push(`${file}: ${target} names no heading of ${inside}`)
      }
    }
  }
  return broken
}

test('every relative link in README.md and docs/ leads to a file and a heading that exist', () => {
  const root = process.cwd()
  const files = documents(root)
  expect(files).toContain('docs/api.md')
  expect(files.flatMap((file) => brokenLinks(root, file))).toEqual([])
})

test('anchors are made as GitHub makes them', () => {
  const made = anchors(
    [
      '# Coming from the tutorial',
      '## `POST /token` is `POST /api/token`',
      '## Tests and benchmark: what `npm test` runs',
      '## Tests and benchmark: what `npm test` runs',
      '## Passwords (NIST SP 800-63B), über-simple',
      '```sh',
      '# not a heading',
      '```',
      '## [Linked](other.md) heading_with_underscore',
    ].join('\n'),
  )
  expect([...made]).toEqual([
    'coming-from-the-tutorial',
    'post-token-is-post-apitoken',
    'tests-and-benchmark-what-npm-test-runs',
    'tests-and-benchmark-what-npm-test-runs-1',
    'passwords-nist-sp-800-63b-über-simple',
    'linked-heading_with_underscore',
  ])
})

test('a missing file, a missing heading and a path outside the repository are each reported', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'passgate-links-'))
  try {
    fs.mkdirSync(path.join(root, 'docs'))
    fs.writeFileSync(path.join(root, 'docs', 'guide.md'), '# Guide\n\n## Setting up\n')
    fs.writeFileSync(
      path.join(root, 'README.md'),
      [
        '# Readme',
        '[fine](docs/guide.md#setting-up) [fine too](#readme) [web](https://example.com/#x) `[code](nowhere.md)`',
        '[gone](docs/missing.md) [no heading](docs/guide.md#settings) [no heading here](#nothing)',
        '[outside](../shared/SPEC.md) ![picture](docs/screenshot.png)',
        '```md',
        '[in a fence](nowhere.md)',
        '```',
      ].join('\n'),
    )
    expect(documents(root).flatMap((file) => brokenLinks(root, file))).toEqual([
      'README.md: docs/missing.md names no file',
      'README.md: docs/guide.md#settings names no heading of docs/guide.md',
      'README.md: #nothing names no heading of README.md',
      'README.md: ../shared/SPEC.md is outside the repository',
      'README.md: docs/screenshot.png names no file',
    ])
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})
