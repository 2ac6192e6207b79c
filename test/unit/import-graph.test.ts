// deps.ts is the composition root: it imports the modules it builds, and no module it reaches imports it back
// (not even `import type`), so the wiring reads one way. The test walks every relative import under src/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');
const ROOT_FILE = join(SRC, 'deps.ts');

// import … from './x.js', import type …, export … from, import './x.js', import('./x.js').
const RELATIVE_IMPORTS = [
  /^\s*(?:import|export)\s[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/gm,
  /^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm,
  /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
];

/** The files a source file imports (relative specifiers only; `.js` names its `.ts` source). */
export function importsOf(file: string, source: string): string[] {
  const found = new Set<string>();
  for (const pattern of RELATIVE_IMPORTS) {
    for (const match of source.matchAll(pattern)) found.add(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
  }
  return [...found];
}

export type ImportGraph = Map<string, string[]>;

function readGraph(): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const entry of readdirSync(SRC, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    graph.set(file, importsOf(file, readFileSync(file, 'utf8')));
  }
  return graph;
}

/** One import path from `start` back to `start` (the files, in order), or null when there is none. */
export function findCycleThrough(graph: ImportGraph, start: string): string[] | null {
  const seen = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): boolean => {
    for (const next of graph.get(file) ?? []) {
      if (next === start) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(next);
      if (visit(next)) return true;
      path.pop();
    }
    return false;
  };
  return visit(start) ? [start, ...path, start] : null;
}

describe('import graph of src/', () => {
  test('a cycle is found when a module reached from the root imports it back, and only then', () => {
    const a = '/src/a.ts';
    const b = '/src/b.ts';
    const c = '/src/c.ts';
    assert.deepEqual(findCycleThrough(new Map([[a, [b]], [b, [c]], [c, [a]]]), a), [a, b, c, a]);
    assert.equal(findCycleThrough(new Map([[a, [b]], [b, [c]], [c, []]]), a), null);
    const sample = ['import type { Deps } from', "'../deps.js';\nexport { z } from", "'./z.js';\nimport 'node:fs';"].join(' ');
    assert.deepEqual(importsOf('/src/x/y.ts', sample), [
      '/src/deps.ts',
      '/src/x/z.ts',
    ]);
  });

  test('no module that deps.ts reaches imports deps.ts (not even a type)', () => {
    const graph = readGraph();
    assert.ok(graph.has(ROOT_FILE), 'src/deps.ts exists');
    assert.ok((graph.get(ROOT_FILE) ?? []).length > 5, 'deps.ts imports what it builds');
    const cycle = findCycleThrough(graph, ROOT_FILE);
    assert.equal(cycle?.map((f) => relative(ROOT, f)).join(' → ') ?? null, null);
  });
});
