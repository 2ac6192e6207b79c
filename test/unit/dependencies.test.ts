// Every package in package.json's `dependencies` is imported by some file under src/ or scripts/ (an import the
// product runs: `import type` does not count); what only tests, benches or builds need is a devDependency.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_DIRS = ['src', 'scripts'];
const SOURCE_FILE = /\.(?:[cm]?[jt]s)$/;

// import … from 'x' (not `import type`), export … from 'x', import 'x', import('x'), require('x'), and
// createRequire(…).resolve('x') (a package the product reads a file of, e.g. a browser bundle it serves).
const SPECIFIERS = [
  /^\s*import\s+(?!type\s)[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*export\s+(?!type\s)[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** The package a bare specifier names: `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`; null for paths, node:. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export function importedPackages(source: string): Set<string> {
  const found = new Set<string>();
  for (const pattern of SPECIFIERS) {
    for (const match of source.matchAll(pattern)) {
      const pkg = packageOf(match[1]!);
      if (pkg) found.add(pkg);
    }
  }
  return found;
}

/** The `dependencies` no source imports, sorted. */
export function unusedDependencies(dependencies: string[], sources: string[]): string[] {
  const used = new Set(sources.flatMap((s) => [...importedPackages(s)]));
  return dependencies.filter((d) => !used.has(d)).sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && SOURCE_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('dependencies', () => {
  test('specifiers map to their package; relative paths, node: and type-only imports name none', () => {
    const source = [
      "import { z } from 'zod';",
      "import type { SessionData } from 'express-session';",
      "import session from 'express-session/index.js';",
      "import { Redis } from '@scope/redis/sub/path';",
      "export { x } from 'reexported';",
      "import 'side-effect';",
      "const m = await import('lazy');",
      "const r = require('required');",
      "import { y } from './local.js';",
      "import { readFileSync } from 'node:fs';",
      "import {\n  a,\n  b,\n} from 'multi-line';",
    ].join('\n');
    assert.deepEqual(
      [...importedPackages(source)].sort(),
      ['@scope/redis', 'express-session', 'lazy', 'multi-line', 'reexported', 'required', 'side-effect', 'zod'],
    );
  });

  test('a dependency no source imports is reported', () => {
    assert.deepEqual(
      unusedDependencies(['zod', 'connect-redis', 'express-session'], ["import { z } from 'zod';", "import type { S } from 'express-session';"]),
      ['connect-redis', 'express-session'],
    );
  });

  test('every package in dependencies is imported by a file under src/ or scripts/', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const files = SOURCE_DIRS.flatMap((d) => sourceFiles(join(ROOT, d)));
    assert.ok(files.some((f) => relative(ROOT, f) === join('src', 'main.ts')), 'scanned src/');
    const unused = unusedDependencies(Object.keys(pkg.dependencies ?? {}), files.map((f) => readFileSync(f, 'utf8')));
    assert.deepEqual(unused, [], `imported by nothing under ${SOURCE_DIRS.join('/, ')}/: move to devDependencies or remove`);
  });
});
