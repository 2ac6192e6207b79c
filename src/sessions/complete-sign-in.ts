// Completing a sign-in, whichever way the user proved who they are (password, SSO credentials, the sign-in
// page, the SSO callback): a new session on this device, both cookies, the log line and the audit row.
import type { Request, Response } from 'express';
import { originOf, recordAudit } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { setRefreshCookie, setSsoCookie } from '../http/cookies.js';
import type { User } from '../users/user.js';
import { clientInfoFrom } from './client-info.js';
import { startSession } from './session-lifecycle.js';
import { rememberSignInMethod, type SignInMethod } from './sign-in-method.js';

/** Starts a session for `user` on this device and answers Memos' SignIn response with both cookies. */
export async function completeSignIn(deps: Pick<Deps, 'clock' | 'config' | 'ephemeral' | 'events' | 'keys' | 'logger' | 'store'>, req: Request, res: Response, user: User, method: SignInMethod | SignInMethod[] = 'pwd') {
  const session = await startSession(deps, user, clientInfoFrom(req.get('user-agent'), req.ip));
  await rememberSignInMethod(deps, session.sessionId, method);
  setRefreshCookie(res, req, deps.config, session.refreshToken, session.refreshTokenExpiresAt);
  setSsoCookie(res, req, deps.config, session.ssoToken, session.sessionExpiresAt);
  deps.logger.info({ event: 'signin', userId: user.id, sessionId: session.sessionId }, 'signed in');
  await recordAudit(deps, 'signin.success', originOf(req), { actorUserId: user.id, subjectUserId: user.id, subject: user.username, detail: { sessionId: session.sessionId } });
  return session;
}
