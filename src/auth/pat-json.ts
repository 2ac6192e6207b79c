// The two JSON shapes of a personal access token: Memos' `PersonalAccessToken` resource (unset times omitted,
// as protojson does) and the docs' older `/users/me/access_tokens` entry.
import { rfc3339 } from '../http/timestamps.js';
import type { PersonalAccessToken } from './personal-access-token.js';

export interface PatJson {
  name: string;
  description: string;
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
}

export interface LegacyAccessTokenJson {
  name: string;
  tokenId: string;
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
}

function optionalTimes(pat: PersonalAccessToken): { expiresAt?: string; lastUsedAt?: string } {
  return {
    ...(pat.expiresAt ? { expiresAt: rfc3339(pat.expiresAt) } : {}),
    ...(pat.lastUsedAt ? { lastUsedAt: rfc3339(pat.lastUsedAt) } : {}),
  };
}

export function patResourceName(pat: Pick<PersonalAccessToken, 'userId' | 'id'>): string {
  return `users/${pat.userId}/personalAccessTokens/${pat.id}`;
}

export function toPatJson(pat: PersonalAccessToken): PatJson {
  return { name: patResourceName(pat), description: pat.description, createdAt: rfc3339(pat.createdAt), ...optionalTimes(pat) };
}

/** The older shape names a token by its description (`name`) and its id (`tokenId`). */
export function toLegacyAccessTokenJson(pat: PersonalAccessToken): LegacyAccessTokenJson {
  return { name: pat.description, tokenId: pat.id, createdAt: rfc3339(pat.createdAt), ...optionalTimes(pat) };
}
