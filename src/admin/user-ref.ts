// `--user U`: a username or a numeric id, as `{user}` in the API's paths.
import type { Deps } from '../deps.js';
import { notFound } from '../errors.js';
import type { User } from '../users/user.js';

export async function requireUser(deps: Deps, ref: string): Promise<User> {
  const user = /^\d+$/.test(ref) ? await deps.store.users.findById(Number(ref)) : await deps.store.users.findByUsername(ref);
  if (!user) throw notFound(`user ${ref} not found`);
  return user;
}
