// The Memos `User` resource as JSON (REST emits default values: empty strings are present).
import { rfc3339 } from '../http/timestamps.js';
import type { User } from './user.js';

export interface UserJson {
  name: string;
  role: string;
  username: string;
  email: string;
  displayName: string;
  avatarUrl: string;
  description: string;
  state: string;
  createTime: string;
  updateTime: string;
  /** Gateway extensions: whether the email is verified (asserted to apps) and the username admin-assigned. */
  emailVerified: boolean;
  usernameLocked: boolean;
}

/** `email` is shown only to the user themself and to admins. */
export function toUserJson(user: User, viewer: User | null): UserJson {
  const canSeeEmail = viewer !== null && (viewer.id === user.id || viewer.role === 'ADMIN');
  return {
    name: `users/${user.id}`,
    role: user.role,
    username: user.username,
    email: canSeeEmail ? user.email : '',
    displayName: user.displayName,
    avatarUrl: user.avatarUrl,
    description: user.description,
    state: user.state,
    createTime: rfc3339(user.createdAt),
    updateTime: rfc3339(user.updatedAt),
    emailVerified: canSeeEmail && user.emailVerified,
    usernameLocked: user.usernameLocked,
  };
}
