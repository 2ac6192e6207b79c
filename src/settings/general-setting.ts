// The GENERAL instance setting: registration and password gates and Memos' other general fields.
// Stored as JSON in system_setting GENERAL; a PATCH changes only the fields it sends (Memos replaces all).
import { z } from 'zod';
import type { SettingRepository } from './setting-repository.js';

export const customProfileSchema = z.object({
  title: z.string().max(256).default(''),
  description: z.string().max(1024).default(''),
  logoUrl: z.string().max(2048).default(''),
});

export const generalSettingSchema = z.object({
  disallowUserRegistration: z.boolean(),
  disallowPasswordAuth: z.boolean(),
  additionalScript: z.string().max(65536),
  additionalStyle: z.string().max(65536),
  customProfile: customProfileSchema.optional(),
  weekStartDayOffset: z.number().int().min(-6).max(6),
  disallowChangeUsername: z.boolean(),
  disallowChangeNickname: z.boolean(),
  /** Gateway extension: users may rename themselves (unless an admin locked their name). Default false. */
  allowUsernameChange: z.boolean(),
});

export type GeneralSetting = z.infer<typeof generalSettingSchema>;

/** What a PATCH may carry: any subset of the fields. */
export const generalSettingPatchSchema = generalSettingSchema.partial();
export type GeneralSettingPatch = z.infer<typeof generalSettingPatchSchema>;

export const DEFAULT_GENERAL_SETTING: GeneralSetting = {
  disallowUserRegistration: false,
  disallowPasswordAuth: false,
  additionalScript: '',
  additionalStyle: '',
  weekStartDayOffset: 0,
  disallowChangeUsername: false,
  disallowChangeNickname: false,
  allowUsernameChange: false,
};

const GENERAL = 'GENERAL';

export async function getGeneralSetting(settings: SettingRepository): Promise<GeneralSetting> {
  const stored = await settings.find(GENERAL);
  if (stored === null) return { ...DEFAULT_GENERAL_SETTING };
  const parsed = generalSettingPatchSchema.safeParse(JSON.parse(stored));
  return { ...DEFAULT_GENERAL_SETTING, ...(parsed.success ? parsed.data : {}) };
}

/** Read-merge-write of the sent fields only; run inside a transaction by the caller. */
export async function patchGeneralSetting(settings: SettingRepository, patch: GeneralSettingPatch): Promise<GeneralSetting> {
  const current = await getGeneralSetting(settings);
  const next: GeneralSetting = { ...current, ...stripUndefined(patch) };
  await settings.upsert(GENERAL, JSON.stringify(next));
  return next;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function toInstanceSettingJson(setting: GeneralSetting) {
  return { name: 'instance/settings/GENERAL', generalSetting: setting };
}
