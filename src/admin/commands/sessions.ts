// list-sessions, revoke-sessions: the sessions domain's functions, so a revocation here ends the refresh tokens,
// the sso_session cookie and the access tokens (their `sid`) exactly as the API's does. Without --session,
// revoke-sessions is the API's "sign out everywhere": every session and every personal access token.
import { rfc3339 } from '../../http/timestamps.js';
import { listUserSessions, revokeUserSession, signOutEverywhere } from '../../sessions/manage-sessions.js';
import { toSessionJson } from '../../users/session-json.js';
import { auditCli } from '../audit.js';
import { defineCommand, printList, requireOption, stringOption } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { requireUser } from '../user-ref.js';

export const listSessionsCommand = defineCommand({
  name: 'list-sessions',
  summary: "A user's signed-in devices (live sessions): id, created, last active, address, client.",
  lists: true,
  options: { user: { type: 'string', value: 'USER', required: true, description: 'username or id' } },
  async run(ctx) {
    const deps = await ctx.deps();
    const user = await requireUser(deps, requireOption(ctx, 'user'));
    const sessions = await listUserSessions(deps, user.id);
    printList(ctx, 'sessions', sessions.map(toSessionJson), (s) => [
      s.sessionId,
      `created ${s.createTime}`,
      `active ${s.lastAccessedTime}`,
      s.clientInfo.ipAddress || '-',
      [s.clientInfo.browser, s.clientInfo.os].filter(Boolean).join(' on ') || '-',
    ]);
    return EXIT.OK;
  },
});

export const revokeSessionsCommand = defineCommand({
  name: 'revoke-sessions',
  summary: "Revoke one session (--session ID), or all of a user's sessions and personal access tokens.",
  options: {
    user: { type: 'string', value: 'USER', required: true, description: 'username or id' },
    session: { type: 'string', value: 'ID', description: 'only this session (from list-sessions)' },
  },
  async run(ctx) {
    const deps = await ctx.deps();
    const user = await requireUser(deps, requireOption(ctx, 'user'));
    const sessionId = stringOption(ctx, 'session');
    if (sessionId !== undefined) {
      await revokeUserSession(deps, user.id, sessionId);
      await auditCli(deps, 'session.revoked', { subjectUserId: user.id, subject: sessionId });
      ctx.io.stdout(`revoked session ${sessionId} of ${user.username}\n`);
      return EXIT.OK;
    }
    const revoked = await signOutEverywhere(deps, user.id);
    await auditCli(deps, 'sessions.revoked_all', { subjectUserId: user.id, subject: user.username, detail: { sessions: revoked.sessionIds.length, pats: revoked.patIds.length } });
    ctx.io.stdout(`revoked ${revoked.sessionIds.length} session(s) and ${revoked.patIds.length} personal access token(s) of ${user.username} at ${rfc3339(deps.clock.now())}\n`);
    return EXIT.OK;
  },
});
