// `npm start`'s prestart: bundles src/ (dependencies stay external) into dist/main.mjs with esbuild. Built in a
// temp dir and renamed into place, so a gateway starting while another `npm start` rebuilds never reads a
// half-written file.
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

mkdirSync('dist', { recursive: true });
const tmp = mkdtempSync(join('dist', '.build-'));
try {
  await build({
    entryPoints: ['src/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    target: 'node20',
    sourcemap: true,
    outfile: join(tmp, 'main.mjs'),
    logLevel: 'warning',
  });
  renameSync(join(tmp, 'main.mjs.map'), join('dist', 'main.mjs.map'));
  renameSync(join(tmp, 'main.mjs'), join('dist', 'main.mjs'));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
