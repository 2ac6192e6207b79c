// HTTP adapters for personal access tokens, in Memos' shape (`/users/{user}/personalAccessTokens`) and in the
// docs' older shape (`/users/me/access_tokens`), both over the same tokens. Who may call which is the route
// table's business (create needs an interactive sign-in; list is self or admin; revoke is self). Creating one
// also needs a sign-in younger than 10 minutes, or the current password in `password` (step-up.ts).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import { requireTarget } from '../http/route-access.js';
import { rfc3339 } from '../http/timestamps.js';
import { parseInput } from '../http/validate.js';
import {
  createPersonalAccessToken,
  expiryFromDays,
  listPersonalAccessTokens,
  MAX_EXPIRES_IN_DAYS,
  revokePersonalAccessToken,
} from './manage-pats.js';
import { toLegacyAccessTokenJson, toPatJson } from './pat-json.js';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { findPrincipal, requirePrincipal } from './principal.js';
import { assertRecentSignInOrPassword } from './step-up.js';

/** protojson int32: a JSON number or a decimal string. */
const int32 = z.union([z.number().int(), z.string().regex(/^-?[0-9]{1,10}$/).transform(Number)]).pipe(
  z.number().int().min(-2_147_483_648).max(MAX_EXPIRES_IN_DAYS, `must be at most ${MAX_EXPIRES_IN_DAYS} days`),
);

// Strict: a body with fields of some other request is a mistake worth a 400, not a token with defaults.
export const createSchema = z.strictObject({
  /** Memos' request carries the parent in the path; a body copy is allowed and ignored. */
  parent: z.string().max(128).optional(),
  description: z.string().max(256).default(''),
  expiresInDays: int32.optional(),
  expires_in_days: int32.optional(),
  password: z.string().max(1024).optional(),
});

export const legacyCreateSchema = z.strictObject({
  name: z.string().max(256).default(''),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  password: z.string().max(1024).optional(),
});

const TOKEN_ID = /^[0-9A-Za-z-]{1,64}$/;

function requireTokenId(value: unknown): string {
  const id = String(value ?? '');
  if (!TOKEN_ID.test(id)) throw invalidArgument('invalid personal access token name');
  return id;
}

export function createPat(deps: Deps): RequestHandler {
  return async (req, res) => {
    const body = parseInput(createSchema, req.body);
    const target = requireTarget(res);
    await assertRecentSignInOrPassword(deps, requirePrincipal(res), body.password, req.ip);
    const days = body.expiresInDays ?? body.expires_in_days;
    const created = await createPersonalAccessToken(deps, target.id, {
      description: body.description,
      expiresAt: expiryFromDays(deps.clock.now(), days),
    });
    await recordAudit(deps, 'pat.created', originOf(req), { actorUserId: findPrincipal(res)?.user.id ?? null, subjectUserId: target.id, subject: created.pat.id });
    res.json({ personalAccessToken: toPatJson(created.pat), token: created.token });
  };
}

/** `pageSize`/`pageToken` are accepted and ignored, as in Memos: a user's tokens are few and bounded. */
export function listPats(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const tokens = await listPersonalAccessTokens(deps, requireTarget(res).id);
    res.json({ personalAccessTokens: tokens.map(toPatJson), nextPageToken: '', totalSize: tokens.length });
  };
}

export function revokePat(deps: Deps): RequestHandler {
  return async (req, res) => {
    const tokenId = requireTokenId(req.params.tokenId);
    // Idempotent answer, but only a token that existed is audited as revoked.
    if (!(await revokePersonalAccessToken(deps, requireTarget(res).id, tokenId))) return res.json({});
    await recordAudit(deps, 'pat.revoked', originOf(req), { actorUserId: findPrincipal(res)?.user.id ?? null, subjectUserId: requireTarget(res).id, subject: tokenId });
    res.json({});
  };
}

/** Older shape: `{name, expiresAt}` → `{accessToken, name, expiresAt, tokenId}`. */
export function createLegacyAccessToken(deps: Deps): RequestHandler {
  return async (req, res) => {
    const body = parseInput(legacyCreateSchema, req.body);
    const now = deps.clock.now();
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= now.getTime()) {
      throw invalidArgument('expiresAt must be in the future', [{ field: 'expiresAt', description: 'in the past' }]);
    }
    await assertRecentSignInOrPassword(deps, requirePrincipal(res), body.password, req.ip);
    const created = await createPersonalAccessToken(deps, requireTarget(res).id, { description: body.name, expiresAt });
    await recordAudit(deps, 'pat.created', originOf(req), { actorUserId: findPrincipal(res)?.user.id ?? null, subjectUserId: requireTarget(res).id, subject: created.pat.id });
    res.json({
      accessToken: created.token,
      name: created.pat.description,
      ...(created.pat.expiresAt ? { expiresAt: rfc3339(created.pat.expiresAt) } : {}),
      tokenId: created.pat.id,
    });
  };
}

export function listLegacyAccessTokens(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const tokens = await listPersonalAccessTokens(deps, requireTarget(res).id);
    res.json({ accessTokens: tokens.map(toLegacyAccessTokenJson) });
  };
}

export function revokeLegacyAccessToken(deps: Deps): RequestHandler {
  return revokePat(deps);
}
