// Who may use a relying party: checked at the interaction (login, consent) and again whenever the OP looks the
// account up for that client (code exchange, refresh, userinfo), so a user taken off the list loses the client at
// their next token request, not only at their next sign-in.
import type { Store } from '../store/store.js';
import type { OidcClient } from './oidc-storage.js';

/**
 * A client may use the OP when it restricts nobody, or the user's role, stable reference (`users/{id}`) or one of
 * their effective groups (local ∪ upstream, the list X-Auth-Request-Groups carries) is listed. Groups are read only
 * when the client names some.
 */
export async function clientAllows(
  deps: { store: Pick<Store, 'groups'> },
  client: OidcClient,
  user: { id: number; role: string },
): Promise<boolean> {
  if (client.allowedRoles.length === 0 && client.allowedUsers.length === 0 && client.allowedGroups.length === 0) return true;
  if (client.allowedRoles.includes(user.role as never) || client.allowedUsers.includes(`users/${user.id}`)) return true;
  if (client.allowedGroups.length === 0) return false;
  const groups = await deps.store.groups.listEffective(user.id);
  return groups.some((g) => client.allowedGroups.includes(g));
}
