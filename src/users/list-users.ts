// Listing users for admins (Memos ListUsers) with keyset paging: the page token is an opaque cursor over ids.
import type { Deps } from '../deps.js';
import { invalidArgument } from '../errors.js';
import type { User } from './user.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export interface UserPage {
  users: User[];
  nextPageToken: string;
  totalSize: number;
}

export async function listUsers(deps: Pick<Deps, 'store'>, options: { pageSize?: number; pageToken?: string }): Promise<UserPage> {
  const limit = Math.min(options.pageSize && options.pageSize > 0 ? options.pageSize : DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const afterId = options.pageToken ? decodePageToken(options.pageToken) : 0;
  const [rows, totalSize] = await Promise.all([deps.store.users.list({ afterId, limit: limit + 1 }), deps.store.users.count()]);
  const users = rows.slice(0, limit);
  const last = users[users.length - 1];
  return { users, nextPageToken: rows.length > limit && last ? encodePageToken(last.id) : '', totalSize };
}

function encodePageToken(afterId: number): string {
  return Buffer.from(`u:${afterId}`).toString('base64url');
}

function decodePageToken(token: string): number {
  const match = /^u:([0-9]{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (token.length > 64 || !match) throw invalidArgument('invalid page token');
  return Number(match[1]);
}
