// HTTP adapters for the session (device) list: list, revoke one, sign out everywhere. When the caller ends their
// own current session, their cookies are cleared in the same response.
import type { RequestHandler } from 'express';
import { findCallerSessionId } from '../sessions/caller-session.js';
import { requirePrincipal } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { requireTarget } from '../http/route-access.js';
import { clearSessionCookies } from '../http/cookies.js';
import { readSessionEvidence } from '../sessions/session-evidence.js';
import { listUserSessions, revokeUserSession, signOutEverywhere } from '../sessions/manage-sessions.js';
import { toSessionJson } from './session-json.js';
import { originOf, recordAudit } from '../audit/audit-log.js';

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function listSessionsHandler(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const sessions = await listUserSessions(deps, requireTarget(res).id);
    res.json({ sessions: sessions.map(toSessionJson) });
  };
}

export function revokeSessionHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const sessionId = String(req.params.sessionId ?? '');
    if (!SESSION_ID.test(sessionId)) throw invalidArgument('invalid session name');
    const principal = requirePrincipal(res);
    const own = await findCallerSessionId(deps, principal, readSessionEvidence(req));
    await revokeUserSession(deps, requireTarget(res).id, sessionId);
    await recordAudit(deps, 'session.revoked', originOf(req), { actorUserId: principal.user.id, subjectUserId: requireTarget(res).id, subject: sessionId });
    if (own === sessionId) clearSessionCookies(res, req, deps.config);
    res.json({});
  };
}

export function signOutEverywhereHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const target = requireTarget(res);
    await signOutEverywhere(deps, target.id);
    await recordAudit(deps, 'sessions.revoked_all', originOf(req), { actorUserId: requirePrincipal(res).user.id, subjectUserId: target.id });
    if (target.id === requirePrincipal(res).user.id) clearSessionCookies(res, req, deps.config);
    res.json({});
  };
}
