// `npm run admin -- <command>`: operator commands run against the configured database.
//   rotate-key   add the next signing key (v2, v3, …); it signs from now on, older keys keep verifying
//   list-keys    show the signing keys (kid, created, retiring), never a secret
//   rotate-oidc-key  new OpenID Provider signing keys (rotate-oidc-key.ts)
import { loadConfig } from '../config.js';
import { rotateSigningKey, loadKeyRing } from '../auth/keys.js';
import { openStore } from '../store/store.js';
import { ROTATE_OIDC_KEY, rotateOidcKeyCommand } from './rotate-oidc-key.js';

const USAGE = 'usage: npm run admin -- rotate-key | list-keys | rotate-oidc-key';

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command !== 'rotate-key' && command !== 'list-keys' && command !== ROTATE_OIDC_KEY) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const result = loadConfig(process.env);
  if (!result.ok) {
    process.stderr.write(`invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    return 1;
  }
  const { database, mode } = result.config;
  if (mode === 'demo') {
    process.stderr.write('demo mode signs with a fixed secret; there is nothing to rotate\n');
    return 1;
  }
  const store = await openStore(database.kind === 'sqlite' ? { kind: 'sqlite', file: database.file } : { kind: 'mysql', url: database.url, poolSize: 2 });
  try {
    const now = new Date();
    if (command === ROTATE_OIDC_KEY) {
      await rotateOidcKeyCommand(store, now, process.stdout);
      return 0;
    }
    if (command === 'rotate-key') {
      const rotated = await rotateSigningKey(store.settings, now);
      process.stdout.write(`rotated: ${rotated.kid} signs new tokens from now on; running gateways pick it up within a minute\n`);
    }
    const ring = await loadKeyRing(store.settings, { demo: false, now });
    for (const key of ring.keys) {
      const state = key.kid === ring.signing.kid ? 'signing' : `verifying until ${key.retiresAt?.toISOString()}`;
      process.stdout.write(`${key.kid}\tcreated ${key.createdAt.toISOString()}\t${state}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`admin command failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
