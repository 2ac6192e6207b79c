// Admin API for signing keys: list them (never a secret) and rotate (add the next kid, which signs from now on).
import type { RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { rfc3339 } from '../http/timestamps.js';
import { noParameters, parseInput } from '../http/validate.js';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { rotateSigningKey } from './keys.js';
import { findPrincipal } from './principal.js';

export function listSigningKeys(deps: Deps): RequestHandler {
  return async (_req, res) => {
    await deps.keys.reload(deps.clock.now());
    res.json({
      signingKeys: deps.keys.keys.map((k) => ({
        kid: k.kid,
        createTime: rfc3339(k.createdAt),
        signing: k.kid === deps.keys.signing.kid,
        ...(k.retiresAt ? { retireTime: rfc3339(k.retiresAt) } : {}),
      })),
    });
  };
}

export function rotateSigningKeyHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    parseInput(noParameters, req.body);
    const rotated = await rotateSigningKey(deps.store.settings, deps.clock.now());
    await deps.keys.reload(deps.clock.now());
    deps.events.emit('keys-rotated');
    deps.logger.info({ event: 'signing_key_rotated', kid: rotated.kid }, 'signing key rotated');
    await recordAudit(deps, 'signing_key.rotated', originOf(req), { actorUserId: findPrincipal(res)?.user.id ?? null, subject: rotated.kid });
    res.json({ kid: rotated.kid, createTime: rfc3339(rotated.createdAt) });
  };
}
