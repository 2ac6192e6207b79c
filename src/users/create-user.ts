// Sign-up and admin user creation (Memos CreateUser). The first user becomes the one ADMIN even when two
// gateway processes race on an empty database: a claim row is inserted in the same transaction as the user, and
// only one insert of that primary key can succeed. A name and an address an admin gives (an admin creating a user,
// or the first user, who becomes the admin) are locked and verified; a self sign-up's are neither.
import type { Deps } from '../deps.js';
import { failedPrecondition, permissionDenied } from '../errors.js';
import { getGeneralSetting } from '../settings/general-setting.js';
import type { Role, User } from './user.js';

export interface CreateUserInput {
  username: string;
  password: string;
  email: string;
  displayName: string;
  role?: Role;
}

const FIRST_ADMIN_CLAIM = 'FIRST_ADMIN';

export async function createUser(deps: Pick<Deps, 'clock' | 'passwords' | 'store'>, caller: User | null, input: CreateUserInput, options: { validateOnly?: boolean; firstAdminOnly?: boolean } = {}): Promise<User> {
  deps.passwords.assertAcceptable(input.password);
  const now = deps.clock.now();
  const base = {
    username: input.username,
    email: input.email,
    displayName: input.displayName,
    avatarUrl: '',
    description: '',
    createdAt: now,
  };
  const byAdmin = { usernameLocked: true, emailVerified: input.email !== '' };
  const bySelf = { usernameLocked: false, emailVerified: false };
  const preview = (role: Role, vouched: typeof bySelf): User => ({ ...base, ...vouched, id: 0, role, state: 'NORMAL', passwordHash: '', updatedAt: now });

  if (caller?.role === 'ADMIN') {
    const role = input.role ?? 'USER';
    if (options.validateOnly) return preview(role, byAdmin);
    return deps.store.users.create({ ...base, ...byAdmin, role, passwordHash: await deps.passwords.hash(input.password) });
  }

  if ((await deps.store.users.count()) === 0) {
    if (options.validateOnly) return preview('ADMIN', byAdmin);
    const passwordHash = await deps.passwords.hash(input.password);
    const admin = await deps.store.transaction(async (tx) => {
      if (!(await tx.settings.insertIfAbsent(FIRST_ADMIN_CLAIM, JSON.stringify({ at: now.toISOString() })))) return null;
      return tx.users.create({ ...base, ...byAdmin, role: 'ADMIN', passwordHash });
    });
    if (admin) return admin;
    // Another process created the first user a moment ago: continue as an ordinary sign-up.
  }
  // The first-run form creates the administrator or nothing (the console's setup page, web/console-setup.ts).
  if (options.firstAdminOnly) throw failedPrecondition('the administrator account already exists; please sign in');

  const general = await getGeneralSetting(deps.store.settings);
  if (general.disallowUserRegistration) throw permissionDenied('user registration is not allowed');
  if (general.disallowPasswordAuth) throw permissionDenied('password signup is not allowed');
  if (options.validateOnly) return preview('USER', bySelf);
  return deps.store.users.create({ ...base, ...bySelf, role: 'USER', passwordHash: await deps.passwords.hash(input.password) });
}
