// Personal access tokens (Memos' PATs): `memos_pat_` + 32 characters [0-9A-Za-z] from the CSPRNG. Only the
// SHA-256 (hex) of the whole token is stored; the plaintext is shown once, at creation. This module owns the
// format and the storage interface the PAT code needs.
import { randomInt } from 'node:crypto';
import { PAT_PREFIX } from './authenticate.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_LENGTH = 32;
const PAT_FORMAT = /^memos_pat_[0-9A-Za-z]{32}$/;

export interface PersonalAccessToken {
  id: string;
  userId: number;
  description: string;
  createdAt: Date;
  /** null: never expires. */
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

export interface NewPersonalAccessToken {
  id: string;
  userId: number;
  tokenHash: string;
  description: string;
  createdAt: Date;
  expiresAt: Date | null;
}

export interface PersonalAccessTokenRepository {
  create(token: NewPersonalAccessToken): Promise<void>;
  findByHash(tokenHash: string): Promise<(PersonalAccessToken & { tokenHash: string }) | null>;
  /** Every token of the user, expired ones included, oldest first. */
  listByUser(userId: number): Promise<PersonalAccessToken[]>;
  countByUser(userId: number): Promise<number>;
  /** Deletes the user's token `id`; false when the user has no such token. */
  delete(userId: number, id: string): Promise<boolean>;
  /** Deletes every token of the user; returns their ids. */
  deleteAllForUser(userId: number): Promise<string[]>;
  /** Sets last-used, never moving it backwards. */
  touchLastUsed(id: string, at: Date): Promise<void>;
}

/** A fresh token: 32 independent uniform draws (crypto.randomInt rejects biased values, so no modulo bias). */
export function generatePatSecret(): string {
  let secret = PAT_PREFIX;
  for (let i = 0; i < SECRET_LENGTH; i += 1) secret += ALPHABET[randomInt(ALPHABET.length)];
  return secret;
}

/** The exact format, checked before any lookup so junk never reaches the database. */
export function isPatFormat(token: string): boolean {
  return token.length === PAT_PREFIX.length + SECRET_LENGTH && PAT_FORMAT.test(token);
}

export function isPatExpired(token: Pick<PersonalAccessToken, 'expiresAt'>, now: Date): boolean {
  return token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime();
}
