// HTTP adapters for Memos' InstanceService subset: GENERAL read/patch (both the v1 and the docs' older shape),
// and the instance profile.
import type { Request, RequestHandler, Response } from 'express';
import { originOf, recordAudit } from '../audit/audit-log.js';
import { findPrincipal } from '../auth/principal.js';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { parseInput } from '../http/validate.js';
import { generalSettingPatchSchema, getGeneralSetting, patchGeneralSetting, toInstanceSettingJson } from './general-setting.js';

const VERSION = '0.1.0';

export const settingBody = z.object({
  name: z.string().max(128).optional(),
  generalSetting: generalSettingPatchSchema,
});

export const legacyBody = z.object({
  setting: settingBody,
  updateMask: z.union([z.array(z.string().max(64)).max(16), z.string().max(256)]).optional(),
});

function requireKey(key: string | undefined): 'GENERAL' | 'BASIC' {
  if (key === 'GENERAL' || key === 'BASIC') return key;
  throw invalidArgument(`unsupported instance setting key: ${String(key ?? '').slice(0, 64)}`);
}

export function getInstanceSetting(deps: Deps): RequestHandler {
  return async (req, res) => {
    const key = requireKey(req.params.key as string | undefined);
    // BASIC holds the signing secret: its name is answerable, its value never.
    if (key === 'BASIC') return void res.json({ name: 'instance/settings/BASIC' });
    res.json(toInstanceSettingJson(await getGeneralSetting(deps.store.settings)));
  };
}

export function patchInstanceSetting(deps: Deps): RequestHandler {
  return async (req, res) => {
    const key = requireKey(req.params.key as string | undefined);
    if (key === 'BASIC') throw failedPrecondition('instance setting BASIC cannot be changed through the API');
    const body = parseInput(settingBody, req.body);
    if (body.name !== undefined && body.name !== 'instance/settings/GENERAL') {
      throw invalidArgument('setting name must be instance/settings/GENERAL');
    }
    const next = await deps.store.transaction((tx) => patchGeneralSetting(tx.settings, body.generalSetting));
    await auditSettingChange(deps, req, res, body.generalSetting);
    res.json(toInstanceSettingJson(next));
  };
}

async function auditSettingChange(deps: Deps, req: Request, res: Response, patch: object) {
  await recordAudit(deps, 'settings.updated', originOf(req), {
    actorUserId: findPrincipal(res)?.user.id ?? null,
    subject: 'GENERAL',
    detail: { fields: Object.keys(patch).join(',') },
  });
}

/** The docs' older shape: `PATCH /api/v1/instance/setting` with `{setting:{generalSetting}, updateMask}`. */
export function patchInstanceSettingLegacy(deps: Deps): RequestHandler {
  return async (req, res) => {
    const body = parseInput(legacyBody, req.body);
    if (body.setting.name !== undefined && body.setting.name !== 'instance/settings/GENERAL') {
      throw invalidArgument('only instance/settings/GENERAL can be changed here');
    }
    const next = await deps.store.transaction((tx) => patchGeneralSetting(tx.settings, body.setting.generalSetting));
    await auditSettingChange(deps, req, res, body.setting.generalSetting);
    res.json(toInstanceSettingJson(next));
  };
}

export function getInstanceProfile(deps: Deps): RequestHandler {
  return async (_req, res) => {
    const users = await deps.store.users.count();
    res.json({
      version: VERSION,
      demo: deps.config.mode === 'demo',
      instanceUrl: deps.config.instanceUrl,
      needsSetup: users === 0,
    });
  };
}
