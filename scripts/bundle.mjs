// `npm run build` (and `npm start`'s prestart): bundles the gateway (src/main.ts → dist/main.mjs) and the
// operator CLI (src/admin/main.ts → dist/admin.mjs) with esbuild; every package stays external, loaded from
// node_modules (native better-sqlite3/bcrypt, optional drivers). `node scripts/bundle.mjs [outdir]`.
// Built in a temp dir and renamed into place, so a process starting while another build runs never reads a
// half-written file.
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ENTRIES = { main: 'src/main.ts', admin: 'src/admin/main.ts' };
const outdir = process.argv[2] ?? 'dist';

mkdirSync(outdir, { recursive: true });
const tmp = mkdtempSync(join(outdir, '.build-'));
try {
  await build({
    entryPoints: ENTRIES,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    target: 'node20',
    sourcemap: true,
    // Dynamic imports (the Redis modules, loaded only when Redis is configured) become chunks of their own.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  // Chunks first (content-hashed names: a running process keeps finding its own), the entries last.
  mkdirSync(join(outdir, 'chunks'), { recursive: true });
  const fresh = new Set(readdirSync(join(tmp, 'chunks')));
  for (const file of fresh) renameSync(join(tmp, 'chunks', file), join(outdir, 'chunks', file));
  for (const name of Object.keys(ENTRIES)) {
    renameSync(join(tmp, `${name}.mjs.map`), join(outdir, `${name}.mjs.map`));
    renameSync(join(tmp, `${name}.mjs`), join(outdir, `${name}.mjs`));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
