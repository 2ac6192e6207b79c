// Memos' username rule: 1–36 ASCII letters, digits or hyphens, starting and ending with a letter or digit; and the
// names every way of registering refuses (local sign-up, admin creation, rename, SSO): `me` and all-digit names,
// which `/api/v1/users/{user}` paths would read as the caller or as a user id.
import { z } from 'zod';

export const USERNAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,34}[A-Za-z0-9])?$/;

export function isValidUsername(name: string): boolean {
  return USERNAME_PATTERN.test(name);
}

/** `me` (any case) or only digits: a path segment naming someone else. */
export function isReservedUsername(name: string): boolean {
  return name.toLowerCase() === 'me' || /^[0-9]+$/.test(name);
}

export const usernameSchema = z
  .string()
  .regex(USERNAME_PATTERN, 'must be 1-36 letters, digits or hyphens, starting and ending with a letter or digit')
  .refine((name) => !isReservedUsername(name), 'is reserved: "me" and all-digit names would be read as the caller or as a user id');
