// list-pats, revoke-pat: the PAT domain's functions; a revoked token fails its very next use on every gateway
// (the row is gone; caches forget it within seconds).
import { listPersonalAccessTokens, revokePersonalAccessToken } from '../../auth/manage-pats.js';
import { rfc3339 } from '../../http/timestamps.js';
import { notFound } from '../../errors.js';
import { auditCli } from '../audit.js';
import { defineCommand, printList, requireOption } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { requireUser } from '../user-ref.js';

export const listPatsCommand = defineCommand({
  name: 'list-pats',
  summary: "A user's personal access tokens (never the token itself): id, description, created, expires, last used.",
  lists: true,
  options: { user: { type: 'string', value: 'USER', required: true, description: 'username or id' } },
  async run(ctx) {
    const deps = await ctx.deps();
    const user = await requireUser(deps, requireOption(ctx, 'user'));
    const pats = await listPersonalAccessTokens(deps, user.id);
    const items = pats.map((p) => ({
      tokenId: p.id,
      description: p.description,
      createdAt: rfc3339(p.createdAt),
      expiresAt: p.expiresAt ? rfc3339(p.expiresAt) : null,
      lastUsedAt: p.lastUsedAt ? rfc3339(p.lastUsedAt) : null,
    }));
    printList(ctx, 'personalAccessTokens', items, (p) => [
      p.tokenId,
      p.description || '-',
      `created ${p.createdAt}`,
      p.expiresAt ? `expires ${p.expiresAt}` : 'never expires',
      p.lastUsedAt ? `used ${p.lastUsedAt}` : 'never used',
    ]);
    return EXIT.OK;
  },
});

export const revokePatCommand = defineCommand({
  name: 'revoke-pat',
  summary: 'Revoke (delete) one personal access token of a user.',
  options: {
    user: { type: 'string', value: 'USER', required: true, description: 'username or id' },
    id: { type: 'string', value: 'TOKEN_ID', required: true, description: 'the token id (from list-pats)' },
  },
  async run(ctx) {
    const deps = await ctx.deps();
    const user = await requireUser(deps, requireOption(ctx, 'user'));
    const tokenId = requireOption(ctx, 'id');
    if (!(await revokePersonalAccessToken(deps, user.id, tokenId))) throw notFound(`personal access token ${tokenId} of ${user.username} not found`);
    await auditCli(deps, 'pat.revoked', { subjectUserId: user.id, subject: tokenId });
    ctx.io.stdout(`revoked personal access token ${tokenId} of ${user.username}\n`);
    return EXIT.OK;
  },
});
