import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from '@playwright/test'

// lib/ is layered: a module imports from its own folder or a folder below it, never above, and no
// two modules import each other, directly or round a loop. The order, bottom first:
const LAYERS = ['platform', 'credentials', 'request', 'accounts', 'signin', 'operators', 'openapi']

const modules = fs
  .readdirSync('lib', { recursive: true, encoding: 'utf8' })
  .filter((file) => /\.(ts|mjs)$/.test(file) && !file.endsWith('.d.mts'))
  .map((file) => path.join('lib', file))

/** The lib/ modules a module imports (types included: a type import ties the layers too). */
function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8')
  const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)].map((match) => match[1]!)
  return specifiers
    .map((specifier) => path.join(path.dirname(file), specifier))
    .map((target) => ['', '.ts', '.mjs'].map((ext) => target + ext).find((candidate) => modules.includes(candidate)))
    .filter((target): target is string => target !== undefined)
}

const layerOf = (file: string) => LAYERS.indexOf(path.relative('lib', file).split(path.sep)[0]!)

test('every lib/ module sits in a layer folder, and each folder says what lives there', () => {
  expect(modules.length).toBeGreaterThan(30)
  for (const file of modules) expect(layerOf(file), `${file} is not in one of lib/${LAYERS.join(', lib/')}`).toBeGreaterThanOrEqual(0)
  for (const layer of LAYERS) expect(fs.readFileSync(path.join('lib', layer, 'README.md'), 'utf8').trim().length, `lib/${layer}/README.md`).toBeGreaterThan(20)
})

test('lib/ imports only point down or sideways', () => {
  const upward: string[] = []
  for (const file of modules) {
    for (const target of importsOf(file)) if (layerOf(target) > layerOf(file)) upward.push(`${file} -> ${target}`)
  }
  expect(upward).toEqual([])
})

test('lib/ has no import cycles', () => {
  const graph = new Map(modules.map((file) => [file, importsOf(file)]))
  expect([...graph.values()].flat().length).toBeGreaterThan(50)
  const done = new Set<string>()
  const cycles: string[] = []
  function visit(file: string, trail: string[]) {
    if (trail.includes(file)) {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '))
      return
    }
    if (done.has(file)) return
    for (const target of graph.get(file)!) visit(target, [...trail, file])
    done.add(file)
  }
  for (const file of modules) visit(file, [])
  expect(cycles).toEqual([])
})
