// The operator as the users domain sees a CLI call: an administrator with no account of its own (id 0 matches no
// user), so updateUser applies the admin rules (role changes allowed, the last admin kept, a reset password ends
// every session and PAT of the target) exactly as for an admin calling the API.
import type { Actor } from '../users/update-user.js';
import type { User } from '../users/user.js';

const EPOCH = new Date(0);

export const CLI_OPERATOR: User = Object.freeze({
  id: 0,
  username: 'cli',
  role: 'ADMIN',
  state: 'NORMAL',
  email: '',
  displayName: 'operator CLI',
  avatarUrl: '',
  description: '',
  passwordHash: '',
  usernameLocked: true,
  emailVerified: false,
  createdAt: EPOCH,
  updatedAt: EPOCH,
});

export const CLI_ACTOR: Actor = Object.freeze({ user: CLI_OPERATOR, via: 'access-token', findSessionId: async () => null });
