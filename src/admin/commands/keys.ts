// rotate-key, list-keys: signing keys (kid, created, retiring), never a secret.
import { loadKeyRing, rotateSigningKey } from '../../auth/keys.js';
import { rfc3339 } from '../../http/timestamps.js';
import { auditCli } from '../audit.js';
import { defineCommand, printList, type CommandContext } from '../command.js';
import { CliError, EXIT } from '../exit-codes.js';

function refuseDemo(ctx: CommandContext): void {
  if (ctx.config.mode === 'demo') throw new CliError(EXIT.REFUSED, 'demo mode signs with a fixed secret; there are no keys to rotate or list');
}

async function printKeys(ctx: CommandContext): Promise<void> {
  const deps = await ctx.deps();
  const now = deps.clock.now();
  const ring = await loadKeyRing(deps.store.settings, { demo: false, now });
  const keys = ring.keys.map((k) => ({
    kid: k.kid,
    createTime: rfc3339(k.createdAt),
    signing: k.kid === ring.signing.kid,
    retireTime: k.retiresAt ? rfc3339(k.retiresAt) : null,
  }));
  printList(ctx, 'signingKeys', keys, (k) => [k.kid, `created ${k.createTime}`, k.signing ? 'signing' : `verifying until ${k.retireTime}`]);
}

export const rotateKeyCommand = defineCommand({
  name: 'rotate-key',
  summary: 'Add the next signing key (v2, v3, …); it signs from now on, older keys keep verifying.',
  help: 'Running gateways pick the new key up within a minute.',
  lists: true,
  options: {},
  async run(ctx) {
    refuseDemo(ctx);
    const deps = await ctx.deps();
    const rotated = await rotateSigningKey(deps.store.settings, deps.clock.now());
    // With Redis, running gateways hear it at once (state/event-relay.ts) and re-read their key rings.
    deps.events.emit('keys-rotated');
    await auditCli(deps, 'signing_key.rotated', { subject: rotated.kid });
    if (!ctx.json) ctx.io.stdout(`rotated: ${rotated.kid} signs new tokens from now on; running gateways pick it up within a minute\n`);
    await printKeys(ctx);
    return EXIT.OK;
  },
});

export const listKeysCommand = defineCommand({
  name: 'list-keys',
  summary: 'The signing keys: kid, created, and signing or verifying until when.',
  lists: true,
  options: {},
  async run(ctx) {
    refuseDemo(ctx);
    await printKeys(ctx);
    return EXIT.OK;
  },
});
