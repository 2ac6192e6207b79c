// check-access: which access rule decides whether a user may reach a URL, and why, judged by the same code as
// /auth/verify (the rules file of GATEWAY_ACCESS_RULES_FILE, the canonical path, both letter cases).
import { describeRule, explainAccess } from '../../forward-auth/access-policy.js';
import { loadAccessRules } from '../../forward-auth/access-rules.js';
import { parseOriginalUrl } from '../../forward-auth/original-request.js';
import { defineCommand, requireOption, stringOption } from '../command.js';
import { EXIT, usageError } from '../exit-codes.js';
import { requireUser } from '../user-ref.js';

const METHOD = /^[A-Za-z]{1,20}$/;

export const checkAccessCommand = defineCommand({
  name: 'check-access',
  summary: 'Would /auth/verify let this user reach this URL? Names the deciding rule and the reason.',
  help: 'Exits 0 when allowed, 4 when denied. Access rules do not depend on the method; it is echoed for the record.',
  lists: true,
  options: {
    user: { type: 'string', value: 'USER', required: true, description: 'username or id' },
    url: { type: 'string', value: 'URL', required: true, description: 'the absolute URL a browser asks for (as nginx sends X-Original-URL)' },
    method: { type: 'string', value: 'METHOD', description: 'the request method (default GET)' },
  },
  async run(ctx) {
    const ref = requireOption(ctx, 'user');
    const url = requireOption(ctx, 'url');
    const method = (stringOption(ctx, 'method') ?? 'GET').toUpperCase();
    if (!METHOD.test(method)) throw usageError('--method must be an HTTP method such as GET or POST');
    const target = parseOriginalUrl(url);
    if (target === null) throw usageError('--url cannot be judged (not an absolute http(s) URL, or a path /auth/verify refuses); verify answers 403');
    const rules = loadAccessRules(ctx.config.accessRulesFile);
    const deps = await ctx.deps();
    const user = await requireUser(deps, ref);
    const archived = user.state !== 'NORMAL';
    const groups = new Set(await deps.store.groups.listEffective(user.id));
    const explanation = archived
      ? { allowed: false, steps: [] }
      : explainAccess(rules, { userId: user.id, username: user.username, role: user.role, usernameLocked: user.usernameLocked, groups }, target);
    if (ctx.json) {
      ctx.io.stdout(`${JSON.stringify({
        allowed: explanation.allowed,
        user: user.username,
        role: user.role,
        method,
        url,
        path: target.path,
        ...(archived ? { because: 'the account is archived' } : {}),
        steps: explanation.steps.map((s) => ({
          rule: s.rule === null ? null : { index: s.rule.index, comment: s.rule.comment, path: s.rule.path },
          description: describeRule(s.rule, rules),
          folded: s.folded,
          permitted: s.permitted,
          because: s.because,
        })),
      }, null, 2)}\n`);
    } else {
      ctx.io.stdout(`${explanation.allowed ? 'allow' : 'deny'} ${method} ${url} for ${user.username} (${user.role})\n`);
      if (archived) ctx.io.stdout('  the account is archived: verify refuses it before any rule\n');
      for (const s of explanation.steps) {
        const how = s.folded ? 'compared lower-cased, ' : '';
        ctx.io.stdout(`  ${how}decided by ${describeRule(s.rule, rules)}: ${s.because}\n`);
      }
    }
    return explanation.allowed ? EXIT.OK : EXIT.REFUSED;
  },
});
