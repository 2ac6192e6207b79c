// The storage the groups domain needs: a user's group names per source ('' = local, given by an admin; else the
// uid of the identity provider that sent them), replaced a whole source at a time.
export const LOCAL_SOURCE = '';

export interface UpstreamGroups {
  /** The identity provider's uid. */
  provider: string;
  groups: string[];
}

export interface UserGroups {
  local: string[];
  /** One entry per provider that sent groups, by provider uid. */
  upstream: UpstreamGroups[];
}

export interface GroupRepository {
  listForUser(userId: number): Promise<UserGroups>;
  /** local ∪ upstream, sorted, without duplicates. */
  listEffective(userId: number): Promise<string[]>;
  /** Makes `names` the user's groups from `provider` ('' = local); true when that changed anything. */
  replace(userId: number, provider: string, names: readonly string[], at: Date): Promise<boolean>;
  deleteForUser(userId: number): Promise<number>;
  deleteForProvider(provider: string): Promise<number>;
}
