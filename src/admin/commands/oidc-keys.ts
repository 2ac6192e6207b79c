// rotate-oidc-key: new OpenID Provider signing keys (RS256 and ES256) sign from now on; the previous ones stay in
// the JWKS, verify-only, until every ID token they signed has expired. Running gateways pick the new keys up
// within a minute. Prints kids, never a key.
import { rfc3339 } from '../../http/timestamps.js';
import { rotateOidcSigningKeys } from '../../oidc-provider/signing-keys.js';
import { auditCli } from '../audit.js';
import { defineCommand, printList } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const rotateOidcKeyCommand = defineCommand({
  name: 'rotate-oidc-key',
  summary: 'New OpenID Provider signing keys (RS256, ES256); the previous ones keep verifying until their tokens expire.',
  help: 'Running gateways pick the new keys up within a minute.',
  lists: true,
  options: {},
  async run(ctx) {
    const deps = await ctx.deps();
    const kids = await rotateOidcSigningKeys(deps.store.oidcKeys, deps.clock.now());
    await auditCli(deps, 'oidc_signing_key.rotated', { subject: kids.join(',') });
    if (!ctx.json) ctx.io.stdout(`rotated OpenID Provider keys: ${kids.join(', ')} sign from now on; running gateways pick them up within a minute\n`);
    const keys = (await deps.store.oidcKeys.list()).map((k) => ({
      kid: k.kid,
      alg: k.alg,
      createTime: rfc3339(k.createdAt),
      retireTime: k.retiredAt ? rfc3339(k.retiredAt) : null,
    }));
    printList(ctx, 'oidcSigningKeys', keys, (k) => [k.kid, k.alg, `created ${k.createTime}`, k.retireTime ? `verify-only since ${k.retireTime}` : 'signing']);
    return EXIT.OK;
  },
});
