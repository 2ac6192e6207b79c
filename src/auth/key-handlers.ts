// Admin API for signing keys: list them (never a secret) and rotate (add the next kid, which signs from now on).
import type { RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { rfc3339 } from '../http/timestamps.js';
import { rotateSigningKey } from './keys.js';

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
  return async (_req, res) => {
    const rotated = await rotateSigningKey(deps.store.settings, deps.clock.now());
    await deps.keys.reload(deps.clock.now());
    deps.logger.info({ event: 'signing_key_rotated', kid: rotated.kid }, 'signing key rotated');
    res.json({ kid: rotated.kid, createTime: rfc3339(rotated.createdAt) });
  };
}
