// Storage drivers stay in the storage layers (issue 11 item 3): only src/store/ speaks to the databases and only
// src/state/ to Redis; everything else, regulation included, gets what it needs from them (the limiter comes
// from EphemeralStore.limiter), and nothing reaches into the Redis store's client.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const SRC = join(import.meta.dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const importsOf = (text: string) => [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);

test('the Redis driver is imported in src/state only, and the database drivers in src/store only', () => {
  for (const file of sourceFiles(SRC)) {
    const path = relative(SRC, file);
    const specs = importsOf(readFileSync(file, 'utf8'));
    if (specs.includes('ioredis')) assert.ok(path.startsWith('state/'), `${path} imports ioredis`);
    for (const db of ['mysql2', 'kysely', 'better-sqlite3']) if (specs.includes(db)) assert.ok(path.startsWith('store/'), `${path} imports ${db}`);
  }
});

test("no module outside src/state reaches into the Redis store's client", () => {
  const offenders = sourceFiles(SRC)
    .filter((file) => !relative(SRC, file).startsWith('state/'))
    .filter((file) => /RedisEphemeralStore[\s\S]*\.client\b/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SRC, file));
  assert.deepEqual(offenders, []);
});
