// unlock: lifts a brute-force ban on an account (and forgets its failed attempts). The bans shared by all
// gateways live in Redis; without GATEWAY_REDIS_URL each gateway keeps its own in memory, out of the CLI's reach.
import { accountKey } from '../../auth/regulation.js';
import { auditCli } from '../audit.js';
import { defineCommand, requireOption } from '../command.js';
import { CliError, EXIT } from '../exit-codes.js';
import { requireUser } from '../user-ref.js';

export const unlockCommand = defineCommand({
  name: 'unlock',
  summary: "Lift a brute-force sign-in ban on a user's account.",
  help: 'Needs Redis (GATEWAY_REDIS_URL or a cluster): without it, bans live in each gateway process and end on their own (or when it restarts).',
  options: { user: { type: 'string', value: 'USER', required: true, description: 'username or id' } },
  async run(ctx) {
    const ref = requireOption(ctx, 'user');
    if (ctx.config.redis === null) {
      throw new CliError(EXIT.REFUSED, 'no Redis is configured: bans live in each gateway process (they lift by themselves, or on restart)');
    }
    const deps = await ctx.deps();
    const user = await requireUser(deps, ref);
    await deps.regulation.unlockAccount(accountKey(user.id, user.username));
    await auditCli(deps, 'account.unlocked', { subjectUserId: user.id, subject: user.username });
    ctx.io.stdout(`unlocked ${user.username}: sign-in attempts count from zero again\n`);
    return EXIT.OK;
  },
});
