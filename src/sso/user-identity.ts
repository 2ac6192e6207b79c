// The link between a gateway user and an account at an identity provider: (provider uid, identifier) names
// exactly one user, and a user has at most one account per provider. Users are found through this link only,
// never by a username that happens to equal the identifier (Memos issue #4732).
export interface UserIdentity {
  id: number;
  userId: number;
  /** The identity provider's uid. */
  provider: string;
  /** The mapped identifier claim, exactly as the provider sent it (case-sensitive). */
  externUid: string;
  createdAt: Date;
}

export type NewUserIdentity = Omit<UserIdentity, 'id'>;

export interface UserIdentityRepository {
  find(provider: string, externUid: string): Promise<UserIdentity | null>;
  listForUser(userId: number): Promise<UserIdentity[]>;
  /** Throws AppError ALREADY_EXISTS when the account or the (user, provider) pair is already linked. */
  create(identity: NewUserIdentity): Promise<UserIdentity>;
  /** Removes one link only if it still names `userId` (a stale link to a deleted user). */
  deleteIfUser(provider: string, externUid: string, userId: number): Promise<boolean>;
  deleteForProvider(provider: string): Promise<number>;
  deleteForUser(userId: number): Promise<number>;
}
