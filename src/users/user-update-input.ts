// The PATCH /users/{user} request as Memos' REST gateway takes it: the body is a User, `updateMask` (query,
// comma list, snake_case or camelCase paths) says which fields to change; without a mask, the fields present in
// the body are the mask (read-only fields such as `name` and `createTime` are then skipped). A masked string
// field missing from the body is set to "" (protobuf's zero value), as Memos does. `oldPassword` is no field:
// it proves a self-service password change (parseOldPassword).
import { z } from 'zod';
import { invalidArgument } from '../errors.js';
import { parseInput } from '../http/validate.js';
import type { UserChanges } from './update-user.js';
import { usernameSchema } from './username.js';

type Field = keyof UserChanges;

const FIELD_BY_PATH: Record<string, Field> = {
  username: 'username',
  display_name: 'displayName',
  displayName: 'displayName',
  nickname: 'displayName',
  email: 'email',
  avatar_url: 'avatarUrl',
  avatarUrl: 'avatarUrl',
  description: 'description',
  role: 'role',
  state: 'state',
  password: 'password',
  username_locked: 'usernameLocked',
  usernameLocked: 'usernameLocked',
  email_verified: 'emailVerified',
  emailVerified: 'emailVerified',
};

const READ_ONLY = new Set(['name', 'createTime', 'create_time', 'updateTime', 'update_time', 'oldPassword']);
const CLEARABLE: ReadonlySet<Field> = new Set(['displayName', 'email', 'avatarUrl', 'description']);

const AVATAR = /^(https?:\/\/\S+|data:image\/(png|jpeg|jpg|gif|webp);base64,[A-Za-z0-9+/=]+)$/;

export const bodySchema = z.object({
  username: usernameSchema.optional(),
  displayName: z.string().max(256).optional(),
  email: z.union([z.email().max(256), z.literal('')]).optional(),
  avatarUrl: z.union([z.string().max(8192).regex(AVATAR, 'must be an http(s) URL or a png/jpeg/gif/webp data URI'), z.literal('')]).optional(),
  description: z.string().max(256).optional(),
  role: z.enum(['ADMIN', 'USER']).optional(),
  state: z.enum(['NORMAL', 'ARCHIVED']).optional(),
  password: z.string().max(1024).optional(),
  usernameLocked: z.boolean().optional(),
  emailVerified: z.boolean().optional(),
});

export const querySchema = z.object({
  updateMask: z.string().max(512).optional(),
  update_mask: z.string().max(512).optional(),
});

export function parseUserUpdate(rawBody: unknown, rawQuery: unknown): UserChanges {
  const raw = (rawBody && typeof rawBody === 'object' && !Array.isArray(rawBody) ? rawBody : {}) as Record<string, unknown>;
  const query = parseInput(querySchema, rawQuery, 'query');
  const fields = resolveMask(query.updateMask ?? query.update_mask, raw);
  const normalised: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = FIELD_BY_PATH[key];
    if (field) normalised[field] = value;
  }
  const body = parseInput(bodySchema, normalised);
  const changes: UserChanges = {};
  for (const field of fields) {
    const value = body[field] ?? (CLEARABLE.has(field) ? '' : undefined);
    if (value === undefined) {
      throw invalidArgument(`${field} is in the update mask but not in the body`, [{ field, description: 'required by updateMask' }]);
    }
    (changes as Record<Field, unknown>)[field] = value;
  }
  return changes;
}

/** The current password sent with a password change (`oldPassword` in the body), if any. */
export function parseOldPassword(rawBody: unknown): string | undefined {
  const raw = (rawBody && typeof rawBody === 'object' && !Array.isArray(rawBody) ? rawBody : {}) as Record<string, unknown>;
  return parseInput(z.object({ oldPassword: z.string().max(1024).optional() }), { oldPassword: raw.oldPassword }).oldPassword;
}

function resolveMask(mask: string | undefined, body: Record<string, unknown>): Field[] {
  const paths = mask !== undefined && mask.trim() !== ''
    ? mask.split(',').map((p) => p.trim()).filter(Boolean)
    : Object.keys(body).filter((key) => !READ_ONLY.has(key));
  const fields = new Set<Field>();
  for (const path of paths) {
    const field = FIELD_BY_PATH[path];
    if (!field) throw invalidArgument(`invalid update path: ${path.slice(0, 64)}`);
    fields.add(field);
  }
  if (fields.size === 0) throw invalidArgument('update mask is required');
  return [...fields];
}
