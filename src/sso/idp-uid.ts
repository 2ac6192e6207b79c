// Identity-provider uids: the shape both the admin API and the deployment's file accept, and new ones from the
// CSPRNG (22 base62 characters, like the shortuuid Memos generates).
import { randomInt } from 'node:crypto';
import { invalidArgument } from '../errors.js';

const UID_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,34}[a-zA-Z0-9])?$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 22 base62 characters from the CSPRNG, like the shortuuid Memos generates. */
export function generateIdpUid(): string {
  let uid = '';
  for (let i = 0; i < 22; i++) uid += BASE62[randomInt(BASE62.length)];
  return uid;
}

export function isValidIdpUid(uid: string): boolean {
  return UID_PATTERN.test(uid);
}

export function requireValidUid(uid: string): string {
  if (!UID_PATTERN.test(uid)) {
    throw invalidArgument(
      'invalid UID: must be 1-36 characters, contain only letters, digits, or hyphens, and start and end with a letter or digit',
    );
  }
  return uid;
}
