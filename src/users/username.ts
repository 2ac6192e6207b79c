// Memos' username rule: 1–36 ASCII letters, digits or hyphens, starting and ending with a letter or digit.
import { z } from 'zod';

export const USERNAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,34}[A-Za-z0-9])?$/;

export function isValidUsername(name: string): boolean {
  return USERNAME_PATTERN.test(name);
}

export const usernameSchema = z
  .string()
  .regex(USERNAME_PATTERN, 'must be 1-36 letters, digits or hyphens, starting and ending with a letter or digit');
